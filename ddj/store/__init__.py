"""A corpus store on disk: Parquet parts by publication month, read lazily and in batches.

``ddj.save(corpus, "store/", append=True)`` adds a corpus to a store;
``ddj.open("store/")`` gives a :class:`Store`, a corpus that stays on disk.
The store only yields batches (:meth:`Store.batches`) and knows no analysis:
``ddj.match``, ``ddj.hits``, ``ddj.coverage``, ``ddj.health``,
``ddj.problems``, ``ddj.by_month`` and ``ddj.date_signals`` read it through
:mod:`ddj.scan`, as they read a frame: peak memory is set by ``batch_size``,
not by the size of the store, and the results are the ones the same call
gives on ``store.to_pandas()``.

Layout (hive partitions, one schema, :data:`ddj.corpus.SCHEMA`)::

    store/
      month=2024-10/part-c.<batch>.<token>.<i>.parquet
      month=undated/part-c....parquet          rows with no publication date
      _commits/<batch>.json   an append's commit: its parts, what it skipped, its demo label
      _ids/part-c....u64      each committed part's article ids (8 bytes an id, row order)
      _totals/<month>.<part>.totals   a part's rows counted by quarter-hour, outlet, page type
                              and date confidence (ddj.store.totals)
      _totals/<month>.<part>.hashes   its rows' hashes, for the fingerprint (ddj.store.rowhashes)
      _totals/held-<digest>/  every row held for the next question (ddj.store.held)
      _index/                 a search index, when ddj.index made one (ddj.store.fulltext)
      _lock                   held by the append that is writing
      _batches/<...>.json     records of appends by a ddj before commits

An append (:mod:`ddj.store.writing`) is atomic and idempotent: under the
store's lock it leaves out the ids the store holds, writes its parts and
their id lists, then commits them with one rename of its record. Readers
(:mod:`ddj.store.layout`, :mod:`ddj.store.survey`) see only committed parts
(and the parts of stores written before commits), check each part's footer
and schema before reading it, read each article id once, and count what they
leave out. Several processes may append at once. Files and folders whose
names start with ``_`` or ``.`` are not data. Rows come back in store order:
months in order (``undated`` last), then the parts in the order they were
written, then the rows as they were given.

Examples
--------
>>> import ddj
>>> folder = ddj.save(corpus, "store", append=True)
>>> store = ddj.open(folder)
>>> len(store), store.months[:2]
(306, ['2019-01', '2019-02'])
>>> ddj.coverage(store, ["hong_kong"], freq="Y").equals(
...     ddj.coverage(store.to_pandas(), ["hong_kong"], freq="Y"))
True
"""

from __future__ import annotations

from ddj.store.disk import BATCH_SIZE, Store, open
from ddj.store.layout import MAX_RECORD_BYTES, PARTITION, UNDATED, Part
from ddj.store.writing import ROW_GROUP, append, is_store

__all__ = [
    "BATCH_SIZE",
    "MAX_RECORD_BYTES",
    "PARTITION",
    "ROW_GROUP",
    "UNDATED",
    "Part",
    "Store",
    "append",
    "is_store",
    "open",
]
