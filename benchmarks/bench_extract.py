"""``ddj.read_html`` against newspaper4k, trafilatura and htmldate on the same real pages.

Every tool reads every page of each dataset once in the same run (results are
kept in memory only) and one table is printed, one row per dataset and tool:

- ``day``: share of dated pages dated to the right calendar day (a missing
  date counts as wrong);
- ``false dates``: pages whose truth is "no date" that the tool dated anyway;
- ``title``: exact title after white-space normalisation;
- ``authors``: pages whose set of author names matches the truth exactly
  (an empty truth is matched by naming nobody), and the precision and recall
  of the names over all pages. Names on both sides are normalised the same
  way: "By"/"Von" dropped, split on ``;``, ``,``, ``&``, "and", "und",
  case and punctuation ignored;
- ``with`` / ``without``: share of the body snippets that must appear in the
  main text and are found, and of those that must not appear and are avoided;
- ``body F1``: mean token F1 of the main text against the human-checked
  article body (scrapinghub-aeb, as the Article Extraction Benchmark scores it);
- ``ms``: median time per page.

The tools take turns on each page, in an order that rotates from page to page (so a
busy machine slows them alike, and no tool always runs after the same one). The
last lines give each tool's median and mean time a page, read_html's median
over newspaper4k's own parse (download from the HTML in hand plus parse), and
read_html's median and mean over trafilatura's (``bare_extraction`` with
metadata: its text, title, author and htmldate's date), on the same pages.

    python benchmarks/bench_extract.py               # every page (several minutes)
    python benchmarks/bench_extract.py --limit 100   # a quick look
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
warnings.simplefilter("ignore")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.scoring import names, norm, record_fields, token_f1  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
DATASETS = ("htmldate-trafilatura-eval", "htmldate-mediacloud-2020", "scrapinghub-aeb")
TOOLS = ("ddj", "newspaper4k", "trafilatura", "htmldate")
ALL = {"day", "title", "authors", "text"}
FIELDS = {"ddj": ALL, "newspaper4k": ALL, "trafilatura": ALL, "htmldate": {"day"}}


# -- the tools: one call per page, every field at once -------------------------------------


def tools():
    """{tool: fn(html bytes, url) -> {"day", "title", "authors", "text"}}; None where a tool has no such field."""
    from htmldate import find_date
    from newspaper import Article
    from trafilatura import bare_extraction

    from ddj.extract import read_html

    def ddj(html, url):
        return record_fields(read_html(html, url))

    def newspaper(html, url):
        art = Article(url, fetch_images=False)
        art.download(input_html=html.decode("utf-8", "replace"))
        art.parse()
        return {
            "day": art.publish_date.date().isoformat() if art.publish_date else None,
            "title": art.title,
            "authors": list(art.authors or []),
            "text": art.text,
        }

    def trafilatura(html, url):
        doc = bare_extraction(html.decode("utf-8", "replace"), url=url, with_metadata=True)
        if doc is None:
            return {"day": None, "title": None, "authors": [], "text": None}
        date = getattr(doc, "date", None)
        return {
            "day": date[:10] if date else None,
            "title": doc.title,
            "authors": [doc.author] if doc.author else [],
            "text": doc.text,  # the main text; comments are kept apart
        }

    def htmldate(html, url):
        day = find_date(
            html.decode("utf-8", "replace"), url=url, extensive_search=True, original_date=True
        )
        return {"day": day, "title": None, "authors": [], "text": None}

    return {"ddj": ddj, "newspaper4k": newspaper, "trafilatura": trafilatura, "htmldate": htmldate}


# -- the pages and their truth -------------------------------------------------------------


def load(shared: Path, dataset: str, limit: int | None) -> list[dict]:
    """[{"file", "url", "html", and any of "day", "no_date", "title", "author", "with", "without", "body"}]."""
    folder = shared / dataset
    pages: dict[str, dict] = {}

    def page(file, url):
        return pages.setdefault(file, {"file": file, "url": url})

    if dataset == "scrapinghub-aeb":
        for key, v in sorted(json.loads((folder / "ground-truth.json").read_text()).items()):
            page(f"html/{key}.html.gz", v["url"])["body"] = v["articleBody"]
    elif dataset == "htmldate-mediacloud-2020":
        for url, v in json.loads((folder / "ground-truth.json").read_text()).items():
            p = page(v["file"], url)
            p["day" if v.get("date") else "no_date"] = v.get("date") or True
    else:
        for url, v in json.loads((folder / "ground-truth-trafilatura.json").read_text()).items():
            p = page(v["file"], url)
            p.update(title=v["title"], author=v["author"], with_=v["with"], without=v["without"])
            if not v.get("date"):
                p["no_date"] = True
        for url, v in json.loads((folder / "ground-truth-htmldate.json").read_text()).items():
            page(v["file"], url)["day"] = v["date"]
        for case in json.loads((folder / "expectations-htmldate-realworld.json").read_text()):
            if case["expected_date"] is None:
                page(case["file"], case["url"])["no_date"] = True
        for p in pages.values():
            if p.get("day"):
                p.pop("no_date", None)  # htmldate's annotators dated it
    chosen = sorted(pages.values(), key=lambda p: p["file"])[:limit]
    for p in chosen:
        p["html"] = gzip.decompress((folder / p["file"]).read_bytes())
    return chosen


# -- scores --------------------------------------------------------------------------------


def score(pages: list[dict], got: list[dict], fields: set[str]) -> dict[str, str]:
    """One table row's cells for a tool's results on a dataset (only the fields the tool gives)."""
    row = {}
    pairs = list(zip(pages, got, strict=True))
    dated = [(p, g) for p, g in pairs if p.get("day")]
    if dated:
        row["day"] = f"{sum(g['day'] == p['day'] for p, g in dated) / len(dated):.3f}"
    undated = [(p, g) for p, g in pairs if p.get("no_date")]
    if undated:
        row["false dates"] = f"{sum(g['day'] is not None for _, g in undated)}/{len(undated)}"
    titled = [(p, g) for p, g in pairs if p.get("title")]
    if titled and "title" in fields:
        row["title"] = (
            f"{sum(norm(g['title']) == norm(p['title']) for p, g in titled) / len(titled):.3f}"
        )
    authored = [(p, g) for p, g in pairs if "author" in p]
    if authored and "authors" in fields:
        exact = sum(names(g["authors"]) == names(p["author"]) for p, g in authored)
        hit = sum(len(names(g["authors"]) & names(p["author"])) for p, g in authored)
        said = sum(len(names(g["authors"])) for _, g in authored)
        true = sum(len(names(p["author"])) for p, _ in authored)
        row["authors"] = f"{exact / len(authored):.3f}"
        row["names P/R"] = f"{hit / max(said, 1):.2f}/{hit / max(true, 1):.2f}"
    snippets = [(p, norm(g["text"])) for p, g in pairs if "with_" in p]
    if snippets and "text" in fields:
        found = [norm(s) in text for p, text in snippets for s in p["with_"]]
        kept = [norm(s) in text for p, text in snippets for s in p["without"]]
        row["with"] = f"{sum(found) / len(found):.3f}"
        row["without"] = f"{1 - sum(kept) / len(kept):.3f}"
    bodied = [(p, g) for p, g in pairs if p.get("body")]
    if bodied and "text" in fields:
        row["body F1"] = f"{statistics.mean(token_f1(g['text'], p['body']) for p, g in bodied):.3f}"
    return row


COLUMNS = (
    ("day", 7), ("false dates", 12), ("title", 7), ("authors", 8), ("names P/R", 10),
    ("with", 7), ("without", 8), ("body F1", 8), ("ms", 6),
)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--limit", type=int, default=None, help="pages per dataset")
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--only", choices=DATASETS, action="append", help="dataset(s) to run")
    ap.add_argument("--tools", choices=TOOLS, nargs="+", default=list(TOOLS))
    args = ap.parse_args()
    runners = {k: v for k, v in tools().items() if k in args.tools}
    print(f"{'dataset':<27}{'tool':<12}{'pages':>6}" + "".join(f"{c:>{w}}" for c, w in COLUMNS))
    speed: dict[str, list[float]] = {}
    for dataset in args.only or DATASETS:
        pages = load(args.shared, dataset, args.limit)
        names = [n for n in runners if not (n == "htmldate" and dataset == "scrapinghub-aeb")]
        got, times = run_interleaved(pages, {n: runners[n] for n in names})
        for name in names:
            speed.setdefault(name, []).extend(times[name])
            cells = score(pages, got[name], FIELDS[name]) | {
                "ms": f"{1000 * statistics.median(times[name]):.0f}"
            }
            print(
                f"{dataset:<27}{name:<12}{len(pages):>6}"
                + "".join(f"{cells.get(c, '-'):>{w}}" for c, w in COLUMNS),
                flush=True,
            )
    print_speed(speed)


def run_interleaved(pages: list[dict], runners: dict, warm_up: int = 20) -> tuple[dict, dict]:
    """Every tool on each page in turn, so a busy machine slows them all alike.

    The order of the turns rotates from page to page: running just after
    another tool (its garbage, its effect on the CPU caches) measurably
    changes a tool's time, by about 2% between read_html and trafilatura,
    so each tool takes each place equally often.

    The first ``warm_up`` pages are read once untimed by every tool: lazy
    imports and one-time set-up (dateparser compiles its locales on first
    use, several seconds, which htmldate, trafilatura and read_html share)
    are not a page's cost in a worker that reads thousands.
    """
    for p in pages[:warm_up]:
        for fn in runners.values():
            try:
                fn(p["html"], p["url"])
            except Exception:
                pass
    got: dict[str, list[dict]] = {name: [] for name in runners}
    times: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for i, p in enumerate(pages):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            fn = runners[name]
            t0 = time.perf_counter()
            try:
                out = fn(p["html"], p["url"])
            except Exception:
                out = {"day": None, "title": None, "authors": [], "text": None}
            times[name].append(time.perf_counter() - t0)
            got[name].append(out)
    return got, times


def print_speed(speed: dict[str, list[float]]) -> None:
    """Median and mean time a page of each tool, then read_html's ratios (the last lines)."""
    for name, times in speed.items():
        print(
            f"{name:<12} {len(times)} pages: median {1000 * statistics.median(times):.1f} ms, "
            f"mean {1000 * statistics.mean(times):.1f} ms, slowest {1000 * max(times):.0f} ms"
        )
    if "ddj" in speed and "newspaper4k" in speed:
        ratio = statistics.median(speed["ddj"]) / statistics.median(speed["newspaper4k"])
        print(f"read_html median time per page / newspaper4k's parse: {ratio:.2f}x")
    if "ddj" in speed and "trafilatura" in speed:
        median = statistics.median(speed["ddj"]) / statistics.median(speed["trafilatura"])
        mean = statistics.mean(speed["ddj"]) / statistics.mean(speed["trafilatura"])
        print(
            f"read_html / trafilatura (bare_extraction with metadata), same pages: "
            f"median {median:.2f}x (target <= 1.0), mean {mean:.2f}x (target <= 1.2)"
        )


if __name__ == "__main__":
    main()
