"""How files arrive: the inbox folder (`inbox`: readiness, claim, archive), the watch loop
(`loop`), what a worker runs (`jobs`), the daemon around them (`daemon`) and heap trimming
(`memory`). Every file goes through `workflow.flow.pipeline`, whichever way it came.
"""
