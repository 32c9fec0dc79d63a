"""Run several crawls in one subprocess (one Twisted reactor per process):
``python -m tests.crawlers.batch '[["source", "config.yaml"], ...]'`` prints one JSON
list of run summaries on its last line."""

from __future__ import annotations

import json
import logging
import sys

from crawlers.runner import run_crawls

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    jobs = [(source, config) for source, config in json.loads(sys.argv[1])]
    print(json.dumps(run_crawls(jobs), ensure_ascii=False, default=str))
