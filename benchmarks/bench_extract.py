"""``ddj.read_html`` against plain newspaper4k (and htmldate, trafilatura) on the same real pages.

Prints, for each tool, pages per second on one core and, on the two date
datasets, the share of pages dated to the right calendar day (a missing date
counts as wrong), and the ratio of ddj's speed to newspaper4k's. On
scrapinghub-aeb it prints the body text's mean token F1 against the
human-checked article body (as the Article Extraction Benchmark scores it).

    python benchmarks/bench_extract.py               # all pages of the date datasets
    python benchmarks/bench_extract.py --limit 100   # a quick look
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import time
import warnings
from collections import Counter
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
warnings.simplefilter("ignore")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
DATASETS = {
    "htmldate-mediacloud-2020": "ground-truth.json",
    "htmldate-trafilatura-eval": "ground-truth-htmldate.json",
}


def tools():
    from htmldate import find_date
    from newspaper import Article
    from trafilatura import bare_extraction

    from ddj.extract import read_html

    def ddj_day(html, url):
        local = read_html(html, url)["published_local"]
        return local.date().isoformat() if local else None

    def newspaper_day(html, url):
        art = Article(url, fetch_images=False)
        art.download(input_html=html.decode("utf-8", "replace"))
        art.parse()
        return art.publish_date.date().isoformat() if art.publish_date else None

    def htmldate_day(html, url):
        return find_date(
            html.decode("utf-8", "replace"), url=url, extensive_search=True, original_date=True
        )

    def trafilatura_day(html, url):
        doc = bare_extraction(html.decode("utf-8", "replace"), url=url, with_metadata=True)
        date = getattr(doc, "date", None) if doc is not None else None
        return date[:10] if date else None

    return {
        "ddj": ddj_day,
        "newspaper4k": newspaper_day,
        "htmldate": htmldate_day,
        "trafilatura": trafilatura_day,
    }


def _tokens(text):
    return re.findall(r"\w+", (text or "").lower())


def _f1(got, want):
    got, want = Counter(_tokens(got)), Counter(_tokens(want))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def body_tools():
    from newspaper import Article
    from trafilatura import extract

    from ddj.extract import read_html

    def newspaper_text(html, url):
        art = Article(url, fetch_images=False)
        art.download(input_html=html.decode("utf-8", "replace"))
        art.parse()
        return art.text

    return {
        "ddj": lambda html, url: read_html(html, url)["text"],
        "newspaper4k": newspaper_text,
        "trafilatura": lambda html, url: extract(html.decode("utf-8", "replace"), url=url),
    }


def bodies(shared: Path, limit: int | None) -> None:
    truth = json.loads((shared / "scrapinghub-aeb" / "ground-truth.json").read_text())
    pages = [
        (
            v["url"],
            gzip.decompress((shared / "scrapinghub-aeb" / "html" / f"{k}.html.gz").read_bytes()),
            v["articleBody"],
        )
        for k, v in sorted(truth.items())
    ][:limit]
    print(f"\n{'dataset':<28}{'tool':<13}{'pages':>6}{'body F1':>14}{'pages/s':>9}")
    for name, fn in body_tools().items():
        scores, spent = [], 0.0
        for url, html, body in pages:
            t0 = time.perf_counter()
            try:
                got = fn(html, url)
            except Exception:
                got = None
            spent += time.perf_counter() - t0
            scores.append(_f1(got, body))
        print(
            f"{'scrapinghub-aeb':<28}{name:<13}{len(pages):>6}{statistics.mean(scores):>14.3f}{len(pages) / spent:>9.1f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--limit", type=int, default=None, help="pages per dataset")
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--only", choices=["dates", "bodies"], default=None)
    args = ap.parse_args()
    if args.only != "dates":
        bodies(args.shared, args.limit)
    if args.only == "bodies":
        return
    runners = tools()
    print(
        f"{'dataset':<28}{'tool':<13}{'pages':>6}{'day accuracy':>14}{'pages/s':>9}{'median ms':>11}"
    )
    speed = {}
    for dataset, truth_file in DATASETS.items():
        truth = json.loads((args.shared / dataset / truth_file).read_text())
        items = [(u, v) for u, v in truth.items() if v.get("date")][: args.limit]
        pages = [
            (u, gzip.decompress((args.shared / dataset / v["file"]).read_bytes()), v["date"])
            for u, v in items
        ]
        for name, fn in runners.items():
            right, times = 0, []
            for url, html, day in pages:
                t0 = time.perf_counter()
                try:
                    got = fn(html, url)
                except Exception:
                    got = None
                times.append(time.perf_counter() - t0)
                right += got == day
            speed.setdefault(name, []).extend(times)
            print(
                f"{dataset:<28}{name:<13}{len(pages):>6}{right / len(pages):>14.3f}"
                f"{len(pages) / sum(times):>9.1f}{1000 * statistics.median(times):>11.0f}"
            )
    ratio = statistics.median(speed["ddj"]) / statistics.median(speed["newspaper4k"])
    print(
        f"read_html median time per page / newspaper4k's: {ratio:.2f}x (dates from several signals included)"
    )


if __name__ == "__main__":
    main()
