#!/bin/sh
# CMAKE_ARGS for building llama.cpp (llama-cpp-python) for this CPU: what -march=native would use,
# without AMX. A native build on a Sapphire Rapids CPU used AMX and crashed in its first matrix
# multiply; AVX-512 itself made prompts 1.5x faster there than an AVX2 build.
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { case " $flags " in *" $1 "*) return 0;; esac; return 1; }
args="-DGGML_NATIVE=OFF"
for pair in avx:AVX avx2:AVX2 fma:FMA f16c:F16C bmi2:BMI2 avx_vnni:AVX_VNNI avx512f:AVX512 \
            avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do
  if has "${pair%%:*}"; then args="$args -DGGML_${pair#*:}=ON"; fi
done
echo "$args"
