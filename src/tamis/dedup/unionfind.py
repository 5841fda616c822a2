"""Connected components of a graph given as edge arrays (clusters of duplicates)."""

from __future__ import annotations

import numpy as np


def components(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label the connected components of the edges `left[i] -- right[i]`.

    Returns `(nodes, labels)`: the sorted distinct node ids and, for each, the smallest node
    id of its component. Vectorised min-label propagation with pointer jumping: each round
    halves path lengths, so it takes O(log n) rounds of array operations.

    >>> nodes, labels = components(np.array([5, 7, 1]), np.array([7, 9, 2]))
    >>> nodes.tolist(), labels.tolist()
    ([1, 2, 5, 7, 9], [1, 1, 5, 5, 5])
    """
    nodes, inv = np.unique(np.concatenate((left, right)), return_inverse=True)
    if not len(nodes):
        return nodes, nodes
    a, b = inv[: len(left)], inv[len(left) :]
    parent = np.arange(len(nodes))
    while True:
        # hook: each edge pulls the larger root under the smaller one
        pa, pb = parent[a], parent[b]
        lo = np.minimum(pa, pb)
        np.minimum.at(parent, pa, lo)
        np.minimum.at(parent, pb, lo)
        # jump: compress paths until every node points at a root
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
        if np.array_equal(parent[a], parent[b]):
            return nodes, nodes[parent]
