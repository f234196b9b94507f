#!/bin/sh
# One line naming the machine, printed above every comparison table (ratios depend on the
# CPU: OpenSSL's assembly uses what the CPU has, our code is built for baseline x86-64).
#   benches/cpu.sh   ->  CPU: AMD EPYC (family 26 model 2), 2 cores, AES-NI SHA-NI ADX AVX-512 VAES; 2026-..; load 1.02
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
family=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -1)
mnum=$(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -1)
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -1)
have=""
for f in aes:AES-NI sha_ni:SHA-NI bmi2:BMI2 adx:ADX avx2:AVX2 avx512f:AVX-512 avx512ifma:IFMA vaes:VAES; do
    case " $flags " in *" ${f%%:*} "*) have="$have ${f#*:}" ;; esac
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "CPU: ${model:-unknown} (family ${family:-?} model ${mnum:-?}), $(nproc) cores,${have}; $(date -u +%Y-%m-%d); load average $load"
