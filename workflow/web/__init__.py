"""The office's web page: the season seen and steered from a browser on the office network.

`app` builds the Flask app (routes, security, audit), `data` is the one adapter over the office
and intake APIs, `users` the users file, `security` the session and anti-forgery token,
`throttle` the wrong-password backoff, `serve` runs it under waitress, `supervise` keeps it
running beside `workflow watch`. It changes no rule of how a file is judged.
"""
