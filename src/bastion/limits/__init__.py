"""Rate limits (exact sliding-window logs per minute, for requests and for tokens), concurrency slots and
USD budgets, checked at admission and settled when the request ends, on one of two backends:

    memory.py   one worker, in process
    redis.py    every worker and replica, one atomic Lua script per admission (`scripts.py`)

`plan.py` holds what a request asks for (its checks) and what the backend answered; `limiter.py` turns a
request into a plan and the answer into headers, errors and audit annotations.
"""
