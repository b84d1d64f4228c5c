#!/usr/bin/env python3
"""serve_client.py - one real HTTP client of `ratelab serve`, written as a team might, with
Python's requests: it sends JOBS jobs to URL as client CLIENT_ID and prints what it saw as one
JSON line (statuses counted, requests sent), for the test to compare with the server's books.

  serve_client.py URL CLIENT_ID naive|polite JOBS

naive:  sends the jobs back to back; on a 429 it retries the same job at once (up to 50 times).
polite: sends one job a second; on a 429 it sleeps for the Retry-After it was given, then
        retries (up to 5 times).
"""
import json
import sys
import time

import requests


def main() -> int:
    url, client_id, mode, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if mode not in ("naive", "polite"):
        print(f"serve_client.py: mode {mode}: naive or polite", file=sys.stderr)
        return 2
    retries_max = 50 if mode == "naive" else 5
    seen = {"200": 0, "429": 0, "other": 0, "requests": 0, "retry_after_missing": 0}
    session = requests.Session()
    session.headers["X-Client-Id"] = client_id
    for job in range(jobs):
        if mode == "polite" and job > 0:
            time.sleep(1.0)
        for _ in range(retries_max + 1):
            answer = session.get(url, timeout=30)
            seen["requests"] += 1
            if answer.status_code == 200:
                seen["200"] += 1
                break
            if answer.status_code != 429:
                seen["other"] += 1
                break
            seen["429"] += 1
            retry_after = answer.headers.get("Retry-After")
            if retry_after is None:
                seen["retry_after_missing"] += 1
            elif mode == "polite":
                time.sleep(float(retry_after))
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
