#!/bin/busybox sh
# /init of the diff initramfs: mount, reserve huge pages, define the kprobe events the runner reads,
# run kvm/runner over every op list in /ops, print the results on the console, power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs tracefs /sys/kernel/tracing
mkdir -p /file && mount -t ramfs ramfs /file
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled
echo madvise > /sys/kernel/mm/transparent_hugepage/defrag
# khugepaged off (a day between scans): its background collapses would unmap stage 2 at random moments; the
# model collapses only on a thp-collapse step (the runner's MADV_COLLAPSE).
echo 86400000 > /sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs
echo 0 > /proc/sys/vm/compaction_proactiveness   # nor may kcompactd migrate pages behind the runner's back
echo 0 > /proc/sys/kernel/numa_balancing 2>/dev/null
# One 1G page at run time (boot-time reservation fails: memblock's top-down allocations sit in every aligned 1G).
for n in 1 0; do
  f=/sys/devices/system/node/node$n/hugepages/hugepages-1048576kB/nr_hugepages
  [ "$(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages)" = 0 ] && echo 1 > $f 2>/dev/null
done
for hp in 64:32 2048:48 32768:4; do
  echo "${hp#*:}" > "/sys/kernel/mm/hugepages/hugepages-${hp%%:*}kB/nr_hugepages" 2>/dev/null
done
t=/sys/kernel/tracing
echo 'p:kd_abort kvm_handle_guest_abort' >> $t/kprobe_events
echo 'p:kd_map kvm_pgtable_stage2_map addr=%x1:x64 size=%x2:x64 prot=%x4:x64' >> $t/kprobe_events
echo 'p:kd_relax kvm_pgtable_stage2_relax_perms addr=%x1:x64 prot=%x2:x64' >> $t/kprobe_events
echo 'p:kd_young kvm_pgtable_stage2_mkyoung addr=%x1:x64' >> $t/kprobe_events
echo 'p:kd_unmap kvm_pgtable_stage2_unmap addr=%x1:x64 size=%x2:x64' >> $t/kprobe_events
echo 'p:kd_wrprot kvm_pgtable_stage2_wrprotect addr=%x1:x64 size=%x2:x64' >> $t/kprobe_events
echo 'p:kd_split kvm_pgtable_stage2_split addr=%x1:x64 size=%x2:x64' >> $t/kprobe_events
for e in kd_abort kd_map kd_relax kd_young kd_unmap kd_wrprot kd_split; do echo 1 > $t/events/kprobes/$e/enable; done
echo 4096 > $t/buffer_size_kb
echo 1 > $t/tracing_on
echo "@@ boot $(uname -r) nodes=$(ls -d /sys/devices/system/node/node* | wc -l)"
for h in /sys/kernel/mm/hugepages/hugepages-*; do echo "@@ hugepages ${h##*-} $(cat $h/nr_hugepages) free $(cat $h/free_hugepages)"; done
dmesg | grep -E 'kvm \[|CPU features: detected|HugeTLB|hugepage' | sed 's/^/@@ dmesg /'
for f in /ops/*.ops; do [ -f "$f" ] && /bin/runner "$f"; done
echo "@@ done"
poweroff -f
