"""Under mpiexec: every rank takes its scatter_dataset shard of N items; rank 0 prints how often each index appears.

Usage: scatter.py N SHUFFLE(0|1). Rank 0 alone prints ``lens`` (every rank's shard length) and ``counts``.
"""

import sys

import numpy as np

from dezero_plug.distributed import create_communicator
from dezero_plug.distributed import scatter_dataset

n, shuffle = int(sys.argv[1]), sys.argv[2] == "1"
comm = create_communicator()
shard = scatter_dataset(list(range(n)), comm, shuffle=shuffle, seed=5)
counts = np.zeros(n)
for i in range(len(shard)):
    counts[shard[i]] += 1
lengths = np.zeros(comm.size)
lengths[comm.rank] = len(shard)
comm.allreduce_array(counts)
comm.allreduce_array(lengths)
if comm.rank == 0:  # one process prints: the ranks' output would interleave
    print("lens " + " ".join(str(int(n)) for n in lengths), flush=True)
    print("counts " + " ".join(str(int(c)) for c in counts), flush=True)
