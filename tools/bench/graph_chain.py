"""Graph algorithms on long chains: ``neurokit inspect``'s work (order, shapes, counts) and the
whole ``inspect`` of a written file, for chains of 2k, 5k and 20k nodes.

Peer: the same graph code with ``predecessors``/``successors`` scanning every edge per call (as
before issue #21), measured on the same in-memory graphs (to 5k nodes: quadratic, 20k took
159 s in the issue). Single-threaded, medians of 3 runs; the machine is shared (load recorded).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.bench._common import machine, median_time, save, single_thread  # noqa: E402

single_thread()

import numpy as np  # noqa: E402

from neurokit import api, ir  # noqa: E402


def chain(n: int) -> ir.Graph:
    return ir.Graph.sequential(ir.Input(shape=(2,)), *[ir.Scale(scale=np.ones(2)) for _ in range(n)])


def graph_work(g: ir.Graph) -> None:
    g.topological_order()
    g.infer_shapes()
    g.stats()


def scanning(g: ir.Graph) -> ir.Graph:
    """``g`` with the former edge-scanning adjacency queries (the peer)."""
    edges = g.edges

    class Scanning(ir.Graph):
        def predecessors(self, name: str) -> list[str]:
            return [a for a, b in edges if b == name]

        def successors(self, name: str) -> list[str]:
            return [b for a, b in edges if a == name]

    return Scanning(nodes=g.nodes, edges=g.edges, profile=g.profile)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (2_000, 5_000, 20_000):
            g = chain(n)
            t_graph, _ = median_time(lambda: graph_work(g), 3)
            path = Path(tmp) / f"chain{n}.nir"
            ir.write(g, path)
            t_inspect, _ = median_time(lambda: api.inspect(path), 3)
            row = {"nodes": n, "graph_s": round(t_graph, 3), "inspect_file_s": round(t_inspect, 3)}
            if n <= 5_000:
                t_scan, _ = median_time(lambda: graph_work(scanning(g)), 1)
                row.update(scanning_graph_s=round(t_scan, 3), speedup=round(t_scan / t_graph, 1))
            rows.append(row)
            print(row, flush=True)
    first, last = rows[0], rows[-1]
    save("graph_chain", {"rows": rows, "graph_time_ratio_20k_over_2k": round(last["graph_s"] / first["graph_s"], 1),
                         "nodes_ratio": last["nodes"] / first["nodes"], "machine": machine(),
                         "note": "shared 2-core machine (load_avg_1m recorded); the peer is the former edge scan"})


if __name__ == "__main__":
    main()
