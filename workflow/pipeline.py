"""One file through the whole flow: read -> check -> outputs. (Stub: being written.)"""
