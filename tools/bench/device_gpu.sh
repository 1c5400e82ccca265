#!/usr/bin/env bash
# GPU checks of issue 22 in one go, for a session that is lent a device machine (one H200; no network
# there: the peers travel as wheels). Two steps:
#
#   1. here, where PyPI is reachable:     bash tools/bench/device_gpu.sh prepare     (-> .whl/, ~3.5 MB)
#   2. on the device machine, with the device tool's run, carry [".whl"], timeout_s 600 (it needs at
#      most 560 s: bench 300, kernel tests 150, training 100, installs a few):
#        bash tools/bench/device_gpu.sh run
#      It writes kernel_tests.log, train_cuda.log, train_cuda_summary.json, bench.log and
#      train_step_gpu.json under $OUT; commit train_step_gpu.json as tools/bench/results/train_step_gpu.json.
#
# The device image already has python3 3.12 with torch (CUDA), triton, cupy-cuda13x, numba, h5py,
# scikit-learn, matplotlib, pytest and hypothesis; the wheels add the peers the way their docs install
# them (pip): SpikingJelly 2.0.0 (its Triton LIF; the wheel has no prebuilt native CUDA ops),
# SpikingJelly 0.0.0.0.14 (the CuPy backend, removed in 2.0; in its own folder), snnTorch 1.0.0,
# Norse 1.1.0 (sdist only on PyPI: built here into a pure-Python wheel), and nir/nirtorch (neurokit
# and Norse import them).
set -euo pipefail
cd "$(dirname "$0")/../.."
WHL=.whl
MAIN_PEERS=(spikingjelly==2.0.0 snntorch==1.0.0 nir==1.0.8 nirtorch==2.6 loguru==0.7.3)

case "${1:-}" in
prepare)
    PY=${PYTHON:-python3}
    rm -rf "$WHL" && mkdir -p "$WHL/main" "$WHL/sj014"
    target=(--no-deps --only-binary=:all: --python-version 3.12 --implementation cp
            --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64)
    "$PY" -m pip download -q "${target[@]}" -d "$WHL/main" "${MAIN_PEERS[@]}"
    "$PY" -m pip download -q "${target[@]}" -d "$WHL/sj014" spikingjelly==0.0.0.0.14
    "$PY" -m pip wheel -q --no-deps -w "$WHL/main" norse==1.1.0   # pure Python (py3-none-any)
    ls -la "$WHL"/*/ && du -sh "$WHL"
    ;;
run)
    OUT=${OUT:-/tmp/neurokit-gpu-out}
    mkdir -p "$OUT"
    pip_install=(python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade)
    "${pip_install[@]}" --target /tmp/site "$WHL"/main/*.whl
    "${pip_install[@]}" --target /tmp/sj014 "$WHL"/sj014/*.whl
    export PYTHONPATH="$PWD:/tmp/site" NEUROKIT_BENCH_SJ014=/tmp/sj014 PYTHONUNBUFFERED=1
    { nvidia-smi -L; python3 -c "import torch, triton; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'triton', triton.__version__)"; } | tee "$OUT/gpu.txt"
    status=0
    # 1. the benchmark: B 128, T 500, width 1024, every peer in its own process; neurokit's process also
    #    checks at full size that its Triton spikes equal torch's CUDA step loop
    timeout 300 python3 tools/bench/train_step_gpu.py --require-all --timeout 120 2>&1 | tee "$OUT/bench.log" || status=1
    cp tools/bench/results/train_step_gpu.json "$OUT/" 2>/dev/null || status=1
    # 2. the Triton kernel compiled for this GPU against torch's CUDA step loop: every rule, float64 and
    #    float32 (pytest-xdist is on the image: the kernels compile in parallel)
    parallel=$(python3 -c "import xdist" 2>/dev/null && echo "-n 8" || true)
    NEUROKIT_TEST_DEVICE=cuda NEUROKIT_REQUIRE_TRITON=1 timeout 150 \
        python3 -m pytest -q $parallel -p no:cacheprovider tests/unit/train/test_fused_triton.py 2>&1 \
        | tee "$OUT/kernel_tests.log" || status=1
    # 3. training on the GPU end to end (embedded event-digits, 2 epochs), model.nir checked in neurokit.sim
    timeout 100 python3 -m neurokit.cli train --device cuda --epochs 2 --out /tmp/neurokit-train-cuda 2>&1 \
        | tee "$OUT/train_cuda.log" && cp /tmp/neurokit-train-cuda/summary.json "$OUT/train_cuda_summary.json" \
        || status=1
    exit $status
    ;;
*)
    echo "usage: bash tools/bench/device_gpu.sh prepare | run   (prepare here with PyPI; run on the GPU machine)" >&2
    exit 2
    ;;
esac
