// SPDX-License-Identifier: GPL-2.0-only
/*
 * runner: runs `actorkvm diff` op lists on a real arm64 KVM and prints what userspace and the kernel show.
 *
 * In the style of tools/testing/selftests/kvm, with raw ioctls and its own small guest (kvm/guest.S)
 * instead of the selftest library, so that nothing of linux-source has to be built (see kvm/README.md).
 * The guest runs at EL1 with its stage 1 on: the low 1 TiB is identity mapped with 1G blocks as Normal
 * write-back memory, so accesses behave as the model's Normal guest memory (exclusives, atomics, caches).
 *
 * Input (one file, several scenarios; key=value tokens):
 *   scenario NAME
 *   vm ipa=40 vcpus=1 manual=0 initset=0 eager=0 nisv=0 code=0xGPA
 *   vma hva= size= backing=anon|thp|shmem|file|hugetlb-64K|-2M|-32M|-1G prot=rw shared=0
 *   slot id= gpa= size= hva= ro=0 log=0
 *   step N OP key=value...      (ops: see run_step)
 *   end
 * Output, one line each, prefixed "@@ " so console noise is ignored:
 *   @@ scenario NAME | @@ setup error=TEXT | @@ step N key=value... | @@ warn FUNCTION | @@ end NAME
 * A "warn" line is a WARN the kernel logged in KVM code while the scenario ran (the function it names).
 * An access prints exit=done|mmio|errno:ENAME|sigbus:LSB|exception:ESR:FAR:ELR|nisv|timeout|reason:N,
 * value=0x.. (reads) and ev=... : the kprobe events of the access in order, A (kvm_handle_guest_abort),
 * M:ipa:size:prot (kvm_pgtable_stage2_map), R:ipa:prot (relax_perms), Y:ipa (mkyoung), U:ipa:size (unmap),
 * W:ipa:size (wrprotect), S:ipa:size (split). Other steps print res=OK|ENAME, their values and ev=... too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE
#define KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE 228 /* 6.5; the cross headers are 6.1 */
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

#define TRACE "/sys/kernel/tracing/trace"
#define CODE_SIZE 0x10000UL     /* the runner's own memslot: guest code and stage-1 tables */
#define PORT_OFFSET 0x10000UL   /* report port: code + 64K, an IPA with no memslot */
#define CODE_SLOT 32000
#define MAX_SLOTS 64
#define MAX_VCPUS 8

extern const char guest_start[], guest_end[], guest_read[], guest_write[], guest_exec[], guest_atomic[],
	guest_cmo[], guest_load_nisv[], guest_store_nisv[], guest_touch[];

struct slot { int used; uint64_t gpa, size, hva; uint32_t flags; };

static int kvm_fd, vm_fd, nr_vcpus, vcpu_fd[MAX_VCPUS];
static struct kvm_run *vcpu_run[MAX_VCPUS];
static uint64_t code_gpa;
static char *code_hva;
static struct slot slots[MAX_SLOTS];
static volatile sig_atomic_t sigbus_lsb = -1, timed_out;
static sigjmp_buf host_access_jmp;
static volatile sig_atomic_t in_host_access;

static void die(const char *what)
{
	printf("@@ setup error=%s:%s\n", what, strerrorname_np(errno) ?: "?");
	fflush(stdout);
	exit(1);
}

/* The value of KEY in "... KEY=VALUE ...", or DEF. */
static const char *kv(const char *line, const char *key, const char *def)
{
	static char buf[256];
	size_t n = strlen(key);
	for (const char *p = line; (p = strstr(p, key)); p += n) {
		if ((p == line || p[-1] == ' ') && p[n] == '=') {
			size_t len = strcspn(p + n + 1, " \n");
			if (len >= sizeof(buf)) len = sizeof(buf) - 1;
			memcpy(buf, p + n + 1, len);
			buf[len] = 0;
			return buf;
		}
	}
	return def;
}

static uint64_t num(const char *line, const char *key)
{
	const char *v = kv(line, key, "0");
	return strtoull(v, NULL, 0);
}

static const char *errname(int e) { const char *s = strerrorname_np(e); return s ? s : "EUNKNOWN"; }

static int prot_bits(const char *s)
{
	int p = PROT_NONE;
	if (strchr(s, 'r')) p |= PROT_READ;
	if (strchr(s, 'w')) p |= PROT_WRITE;
	if (strchr(s, 'x')) p |= PROT_EXEC;
	return p;
}

/* ---- ftrace: the kprobe events defined by /init ---- */

static void trace_clear(void)
{
	int fd = open(TRACE, O_WRONLY | O_TRUNC);
	if (fd >= 0) close(fd);
}

/* Appends the events since trace_clear() as ",A,M:ipa:size:prot,..." to OUT. */
static void trace_collect(char *out, size_t cap)
{
	FILE *f = fopen(TRACE, "r");
	char line[512];
	size_t used = strlen(out);
	if (!f) return;
	while (fgets(line, sizeof(line), f)) {
		char ev[128] = "", a[32], b[32], c[32];
		if (line[0] == '#') continue;
		snprintf(a, sizeof(a), "%s", kv(line, "addr", "?"));
		snprintf(b, sizeof(b), "%s", kv(line, "size", "?"));
		snprintf(c, sizeof(c), "%s", kv(line, "prot", "?"));
		if (strstr(line, " kd_abort:")) snprintf(ev, sizeof(ev), "A");
		else if (strstr(line, " kd_map:")) snprintf(ev, sizeof(ev), "M:%s:%s:%s", a, b, c);
		else if (strstr(line, " kd_relax:")) snprintf(ev, sizeof(ev), "R:%s:%s", a, c);
		else if (strstr(line, " kd_young:")) snprintf(ev, sizeof(ev), "Y:%s", a);
		else if (strstr(line, " kd_unmap:")) snprintf(ev, sizeof(ev), "U:%s:%s", a, b);
		else if (strstr(line, " kd_wrprot:")) snprintf(ev, sizeof(ev), "W:%s:%s", a, b);
		else if (strstr(line, " kd_split:")) snprintf(ev, sizeof(ev), "S:%s:%s", a, b);
		if (ev[0] && used + strlen(ev) + 2 < cap)
			used += snprintf(out + used, cap - used, "%s%s", used ? "," : "", ev);
	}
	fclose(f);
}

/* ---- VM set-up ---- */

static void set_reg(int vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)&val };
	if (ioctl(vcpu_fd[vcpu], KVM_SET_ONE_REG, &reg)) die("KVM_SET_ONE_REG");
}

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, x) / sizeof(__u32)))
#define SYS_SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)
#define SYS_TCR_EL1 ARM64_SYS_REG(3, 0, 2, 0, 2)
#define SYS_TTBR0_EL1 ARM64_SYS_REG(3, 0, 2, 0, 0)
#define SYS_MAIR_EL1 ARM64_SYS_REG(3, 0, 10, 2, 0)
#define SYS_VBAR_EL1 ARM64_SYS_REG(3, 0, 12, 0, 0)

/* Guest stage 1: L0 at code+16K, two L1 tables of 1G blocks (Normal WB, inner shareable, AF) for 0..1 TiB. */
static void build_stage1(void)
{
	uint64_t *l0 = (uint64_t *)(code_hva + 0x4000);
	for (int t = 0; t < 2; t++) {
		uint64_t *l1 = (uint64_t *)(code_hva + 0x5000 + t * 0x1000);
		l0[t] = (code_gpa + 0x5000 + t * 0x1000) | 3;
		for (int i = 0; i < 512; i++)
			l1[i] = (((uint64_t)t * 512 + i) << 30) | (1UL << 10) | (3UL << 8) | 1;
	}
}

static void vcpu_setup(int i)
{
	struct kvm_vcpu_init init;
	vcpu_fd[i] = ioctl(vm_fd, KVM_CREATE_VCPU, i);
	if (vcpu_fd[i] < 0) die("KVM_CREATE_VCPU");
	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init)) die("KVM_ARM_PREFERRED_TARGET");
	if (ioctl(vcpu_fd[i], KVM_ARM_VCPU_INIT, &init)) die("KVM_ARM_VCPU_INIT");
	vcpu_run[i] = mmap(NULL, ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd[i], 0);
	if (vcpu_run[i] == MAP_FAILED) die("mmap kvm_run");
	set_reg(i, SYS_MAIR_EL1, 0xff);                       /* Attr0: Normal, write-back */
	set_reg(i, SYS_TCR_EL1, 16 | (1UL << 8) | (1UL << 10) | (3UL << 12) | (1UL << 23) | (5UL << 32));
	set_reg(i, SYS_TTBR0_EL1, code_gpa + 0x4000);
	set_reg(i, SYS_VBAR_EL1, code_gpa);
	set_reg(i, SYS_SCTLR_EL1, 0x30d00800 | (1 << 0) | (1 << 2) | (1 << 12)); /* RES1 | M | C | I */
}

static int set_slot(int id, uint64_t gpa, uint64_t size, uint64_t hva, uint32_t flags)
{
	struct kvm_userspace_memory_region r = { .slot = id, .flags = flags, .guest_phys_addr = gpa,
						 .memory_size = size, .userspace_addr = hva };
	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? errno : 0;
}

static int map_vma(const char *line)
{
	uint64_t hva = num(line, "hva"), size = num(line, "size");
	char backing[32];
	int prot = prot_bits(kv(line, "prot", "rw")), shared = num(line, "shared") != 0 || strstr(line, "backing=shmem");
	int flags = MAP_FIXED_NOREPLACE | (shared ? MAP_SHARED : MAP_PRIVATE), fd = -1;
	void *p;

	snprintf(backing, sizeof(backing), "%s", kv(line, "backing", "anon"));
	if (!strncmp(backing, "hugetlb-", 8)) {
		/* hugetlbfs: a MFD_HUGETLB memfd, so that a length not a multiple of the huge page is refused
		 * (prepare_hugepage_range) as for any hugetlbfs file; MAP_HUGETLB would round it up. */
		static const struct { const char *n; int shift; } hs[] = {
			{ "hugetlb-64K", 16 }, { "hugetlb-2M", 21 }, { "hugetlb-32M", 25 }, { "hugetlb-1G", 30 } };
		int shift = 0;
		for (unsigned i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
			if (!strcmp(backing, hs[i].n)) shift = hs[i].shift;
		fd = memfd_create("hugetlb", MFD_HUGETLB | (shift << MAP_HUGE_SHIFT));
		if (fd < 0 || ftruncate(fd, (size + (1UL << shift) - 1) & ~((1UL << shift) - 1))) return errno;
	} else if (!strcmp(backing, "shmem") || !strcmp(backing, "file")) {
		char path[64];
		if (!strcmp(backing, "shmem")) {
			fd = memfd_create("shmem", 0);
		} else {
			snprintf(path, sizeof(path), "/file/f-%lx", (unsigned long)hva);
			fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		}
		if (fd < 0 || ftruncate(fd, size)) return errno;
	} else {
		flags |= MAP_ANONYMOUS;
	}
	p = mmap((void *)hva, size, prot, flags, fd, 0);
	if (fd >= 0) close(fd);
	if (p == MAP_FAILED) return errno;
	if (!strcmp(backing, "anon")) madvise(p, size, MADV_NOHUGEPAGE);
	if (!strcmp(backing, "thp")) madvise(p, size, MADV_HUGEPAGE);
	return 0;
}

/* ---- one guest access ---- */

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	sigbus_lsb = si->si_addr_lsb;
	if (in_host_access) siglongjmp(host_access_jmp, SIGBUS);
}

/* A host access the VMA does not allow (a write after mprotect(PROT_READ)): the model's EFAULT. Any other
 * SIGSEGV is the runner's own bug and still kills the child (reported as crashed:signal-11). */
static void on_sigsegv(int sig, siginfo_t *si, void *uc)
{
	(void)si; (void)uc;
	if (in_host_access) siglongjmp(host_access_jmp, SIGSEGV);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_alarm(int sig) { (void)sig; timed_out = 1; }

static void run_access(int n, const char *line)
{
	int v = num(line, "vcpu");
	uint64_t gpa = num(line, "gpa"), value = num(line, "value"), port = code_gpa + PORT_OFFSET;
	char kind[32];
	const char *entry;

	snprintf(kind, sizeof(kind), "%s", kv(line, "kind", "read"));
	entry = !strcmp(kind, "write") ? guest_write : !strcmp(kind, "exec") ? guest_exec
		: !strcmp(kind, "atomic") ? guest_atomic : !strcmp(kind, "cmo") ? guest_cmo
		: !strcmp(kind, "load-no-syndrome") ? guest_load_nisv : !strcmp(kind, "store-no-syndrome") ? guest_store_nisv
		: !strcmp(kind, "touch") ? guest_touch : guest_read;
	struct kvm_run *run = vcpu_run[v];
	uint64_t far = 0, elr = 0;
	char exit_text[96] = "", ev[4096] = "";
	struct itimerval it = { .it_value = { .tv_sec = 10 } };

	set_reg(v, CORE_REG(regs.pc), code_gpa + (entry - guest_start));
	set_reg(v, CORE_REG(regs.pstate), 0x3c5);   /* EL1h, DAIF masked */
	set_reg(v, CORE_REG(regs.regs[0]), gpa);
	set_reg(v, CORE_REG(regs.regs[1]), value);
	set_reg(v, CORE_REG(regs.regs[2]), port);
	run->exit_reason = KVM_EXIT_UNKNOWN;        /* never complete a previous access's MMIO */
	sigbus_lsb = -1;
	timed_out = 0;
	trace_clear();
	setitimer(ITIMER_REAL, &it, NULL);
	while (!exit_text[0]) {
		int r = ioctl(vcpu_fd[v], KVM_RUN, 0);
		int e = errno;
		if (r < 0) {
			if (e == EINTR && sigbus_lsb >= 0) snprintf(exit_text, sizeof(exit_text), "sigbus:%d", (int)sigbus_lsb);
			else if (e == EINTR && timed_out) snprintf(exit_text, sizeof(exit_text), "timeout");
			else if (e != EINTR) snprintf(exit_text, sizeof(exit_text), "errno:%s", errname(e));
			continue;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO: {
			uint64_t data = 0;
			memcpy(&data, run->mmio.data, run->mmio.len < 8 ? run->mmio.len : 8);
			if (run->mmio.phys_addr == port)
				snprintf(exit_text, sizeof(exit_text), "done value=0x%lx", (unsigned long)data);
			else if (run->mmio.phys_addr == port + 16)
				far = data;
			else if (run->mmio.phys_addr == port + 24)
				elr = data;
			else if (run->mmio.phys_addr == port + 8)
				snprintf(exit_text, sizeof(exit_text), "exception:0x%lx:0x%lx:0x%lx", (unsigned long)data,
					 (unsigned long)far, (unsigned long)elr);
			else
				snprintf(exit_text, sizeof(exit_text), "mmio addr=0x%llx write=%d",
					 (unsigned long long)run->mmio.phys_addr, run->mmio.is_write);
			break;
		}
		case KVM_EXIT_ARM_NISV:
			snprintf(exit_text, sizeof(exit_text), "nisv");
			break;
		case KVM_EXIT_INTR:
			if (timed_out) snprintf(exit_text, sizeof(exit_text), "timeout");
			break;
		default:
			snprintf(exit_text, sizeof(exit_text), "reason:%u", run->exit_reason);
		}
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	trace_collect(ev, sizeof(ev));
	run->exit_reason = KVM_EXIT_UNKNOWN;
	printf("@@ step %d exit=%s ev=%s\n", n, exit_text, ev[0] ? ev : "-");
}

/* ---- host and memslot steps ---- */

static int host_access(uint64_t hva, int write, uint64_t *value)
{
	int r = 0, sig;
	sigbus_lsb = -1;
	in_host_access = 1;
	if ((sig = sigsetjmp(host_access_jmp, 1)) == 0) {
		if (write) *(volatile uint64_t *)hva = *value;
		else *value = *(volatile uint64_t *)hva;
	} else {
		r = sig == SIGSEGV ? EFAULT : EHWPOISON;
	}
	in_host_access = 0;
	return r;
}

static int nr_nodes(void)
{
	int n = 0;
	char path[64];
	while (snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n), access(path, F_OK) == 0) n++;
	return n;
}

/* move_pages(2) to the other NUMA node: the folio gets a new pfn. A positive return is the number of pages
 * migrate_pages() could not move (no errno): EBUSY, the model's errno for a folio that stays where it is. */
static int migrate(uint64_t hva)
{
	void *page = (void *)(hva & ~0xfffUL);
	int status = -1, node;
	long r;
	if ((r = syscall(SYS_move_pages, 0, 1, &page, NULL, &status, 0))) return r < 0 ? errno : EBUSY;
	if (status < 0) return -status;
	node = (status + 1) % nr_nodes();
	if ((r = syscall(SYS_move_pages, 0, 1, &page, &node, &status, MPOL_MF_MOVE))) return r < 0 ? errno : EBUSY;
	return status < 0 ? -status : 0;
}

/* KVM_GET_DIRTY_LOG: "pages=1,5" (offsets in 4K pages) into OUT; returns the errno. */
static int get_dirty(int id, char *out, size_t cap)
{
	struct slot *s = &slots[id];
	uint64_t pages = s->size >> 12, words = (pages + 63) / 64;
	uint64_t *bitmap = calloc(words ? words : 1, 8);
	struct kvm_dirty_log log = { .slot = id, .dirty_bitmap = bitmap };
	size_t used = snprintf(out, cap, "pages=");
	int r = ioctl(vm_fd, KVM_GET_DIRTY_LOG, &log) ? errno : 0, any = 0;
	for (uint64_t p = 0; !r && p < pages; p++)
		if ((bitmap[p / 64] >> (p % 64)) & 1 && used + 24 < cap)
			used += snprintf(out + used, cap - used, "%s%lu", any++ ? "," : "", (unsigned long)p);
	if (!any) snprintf(out + used, cap - used, "-");
	free(bitmap);
	return r;
}

/* Debugging aid (not exported by the model): the smaps fields of the VMA holding hva. */
static void show_smaps(int n, uint64_t hva)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	int in = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) in = hva >= lo && hva < hi;
		else if (in && (strstr(line, "AnonHuge") || strstr(line, "Rss") || strstr(line, "THPeligible") || strstr(line, "VmFlags")))
			printf("@@ step %d smaps %s", n, line);
	}
	if (f) fclose(f);
}

static int slot_id_ok(int id) { return id >= 0 && id < MAX_SLOTS; }

static void run_step(int n, const char *op, const char *line)
{
	int r = 0, id = num(line, "id");
	uint64_t hva = num(line, "hva"), size = num(line, "size"), value = num(line, "value");

	char res[4096] = "", ev[4096] = "";

	if (!strcmp(op, "access")) { run_access(n, line); return; }
	trace_clear();
	if (!strcmp(op, "munmap")) r = munmap((void *)hva, size) ? errno : 0;
	else if (!strcmp(op, "mprotect")) r = mprotect((void *)hva, size, prot_bits(kv(line, "prot", ""))) ? errno : 0;
	else if (!strcmp(op, "madvise-dontneed")) r = madvise((void *)hva, size, MADV_DONTNEED) ? errno : 0;
	else if (!strcmp(op, "poison")) r = madvise((void *)(hva & ~0xfffUL), 4096, MADV_HWPOISON) ? errno : 0;
	else if (!strcmp(op, "thp-collapse")) r = madvise((void *)(hva & ~0x1fffffUL), 0x200000, MADV_COLLAPSE) ? errno : 0;
	else if (!strcmp(op, "migrate")) r = migrate(hva);
	else if (!strcmp(op, "smaps")) { show_smaps(n, hva); return; }
	else if (!strcmp(op, "mmap")) r = map_vma(line);
	else if (!strcmp(op, "host-write")) r = host_access(hva, 1, &value);
	else if (!strcmp(op, "host-read")) {
		r = host_access(hva, 0, &value);
		if (!r) snprintf(res, sizeof(res), "value=0x%lx", (unsigned long)value);
	} else if (!strcmp(op, "memslot-create")) {
		if (!slot_id_ok(id)) { r = EINVAL; goto out; }
		uint32_t flags = (num(line, "ro") ? KVM_MEM_READONLY : 0) | (num(line, "log") ? KVM_MEM_LOG_DIRTY_PAGES : 0);
		r = set_slot(id, num(line, "gpa"), size, hva, flags);
		if (!r) slots[id] = (struct slot){ 1, num(line, "gpa"), size, hva, flags };
	} else if (!strcmp(op, "memslot-delete") || !strcmp(op, "memslot-move") || !strcmp(op, "memslot-set-flags")) {
		struct slot s;
		if (!slot_id_ok(id)) { r = EINVAL; goto out; }
		s = slots[id];
		if (!strcmp(op, "memslot-delete")) s.size = 0;
		if (!strcmp(op, "memslot-move")) s.gpa = num(line, "gpa");
		if (!strcmp(op, "memslot-set-flags")) {
			char log = *kv(line, "log", "-"), ro = *kv(line, "ro", "-");
			if (log != '-') s.flags = (s.flags & ~KVM_MEM_LOG_DIRTY_PAGES) | (log == '1' ? KVM_MEM_LOG_DIRTY_PAGES : 0);
			if (ro != '-') s.flags = (s.flags & ~KVM_MEM_READONLY) | (ro == '1' ? KVM_MEM_READONLY : 0);
		}
		r = set_slot(id, s.gpa, s.size, s.hva, s.flags);
		if (!r) { slots[id] = s; slots[id].used = s.size != 0; }
	} else if (!strcmp(op, "dirty-log-get")) {
		if (!slot_id_ok(id)) { r = EINVAL; goto out; }
		r = get_dirty(id, res, sizeof(res));
	} else if (!strcmp(op, "dirty-log-clear")) {
		uint64_t first = num(line, "first"), count = num(line, "count");
		uint64_t *bitmap = calloc((count + 63) / 64 + 1, 8);
		struct kvm_clear_dirty_log c = { .slot = id, .first_page = first, .num_pages = count, .dirty_bitmap = bitmap };
		memset(bitmap, 0xff, ((count + 63) / 64 + 1) * 8);
		r = ioctl(vm_fd, KVM_CLEAR_DIRTY_LOG, &c) ? errno : 0;
		free(bitmap);
	} else {
		r = ENOTSUP;
	}
out:
	trace_collect(ev, sizeof(ev));
	printf("@@ step %d res=%s %s ev=%s\n", n, r ? errname(r) : "OK", res, ev[0] ? ev : "-");
}

/* ---- one scenario, in a child process so that nothing it does outlives it ---- */

static void run_scenario(FILE *in)
{
	char line[1024];
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	struct sigaction segv = { .sa_sigaction = on_sigsegv, .sa_flags = SA_SIGINFO };
	struct sigaction al = { .sa_handler = on_alarm };
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &segv, NULL);
	sigaction(SIGALRM, &al, NULL);

	while (fgets(line, sizeof(line), in)) {
		char op[32] = "";
		int n = -1;
		if (!strncmp(line, "end", 3)) break;
		if (!strncmp(line, "vm ", 3)) {
			struct kvm_enable_cap cap = { 0 };
			kvm_fd = open("/dev/kvm", O_RDWR);
			if (kvm_fd < 0) die("/dev/kvm");
			vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_VM_TYPE_ARM_IPA_SIZE(num(line, "ipa")));
			if (vm_fd < 0) die("KVM_CREATE_VM");
			if (num(line, "manual")) {
				cap.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2;
				cap.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | (num(line, "initset") ? KVM_DIRTY_LOG_INITIALLY_SET : 0);
				if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap)) die("KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2");
			}
			if (num(line, "eager")) {
				cap = (struct kvm_enable_cap){ .cap = KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE, .args = { num(line, "eager") } };
				if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap)) die("KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE");
			}
			if (num(line, "nisv")) {
				cap = (struct kvm_enable_cap){ .cap = KVM_CAP_ARM_NISV_TO_USER };
				if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap)) die("KVM_CAP_ARM_NISV_TO_USER");
			}
			code_gpa = num(line, "code");
			code_hva = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (code_hva == MAP_FAILED) die("mmap code");
			memcpy(code_hva, guest_start, guest_end - guest_start);
			build_stage1();
			if (set_slot(CODE_SLOT, code_gpa, CODE_SIZE, (uint64_t)code_hva, 0)) die("code memslot");
			nr_vcpus = num(line, "vcpus");
			for (int i = 0; i < nr_vcpus && i < MAX_VCPUS; i++) vcpu_setup(i);
			continue;
		}
		if (!strncmp(line, "vma ", 4)) {
			int r = map_vma(line);
			if (r) { printf("@@ setup error=vma:%s\n", errname(r)); return; }
			continue;
		}
		if (!strncmp(line, "slot ", 5)) {
			int id = num(line, "id"), r;
			uint32_t flags = (num(line, "ro") ? KVM_MEM_READONLY : 0) | (num(line, "log") ? KVM_MEM_LOG_DIRTY_PAGES : 0);
			if (!slot_id_ok(id)) { printf("@@ setup error=slot-id\n"); return; }
			r = set_slot(id, num(line, "gpa"), num(line, "size"), num(line, "hva"), flags);
			if (r) { printf("@@ setup error=slot:%s\n", errname(r)); return; }
			slots[id] = (struct slot){ 1, num(line, "gpa"), num(line, "size"), num(line, "hva"), flags };
			continue;
		}
		if (sscanf(line, "step %d %31s", &n, op) == 2) {
			if (n == 0) {
				/* Fault the runner's own code and tables in first, so that stage-1 walks do not fault later. */
				for (int i = 0; i < nr_vcpus; i++) {
					char touch[128];
					snprintf(touch, sizeof(touch), "vcpu=%d gpa=0x%lx value=0x%lx kind=touch", i,
						 (unsigned long)code_gpa, CODE_SIZE);
					run_access(-1, touch);
				}
			}
			run_step(n, op, line);
			fflush(stdout);
		}
	}
}

/*
 * The WARNs the kernel logged in KVM code since the last call, one "@@ warn FUNCTION" line each, read and cleared
 * from the kernel log (SYSLOG_ACTION_READ_CLEAR), e.g. from
 * "WARNING: CPU: 0 PID: 97 at arch/arm64/kvm/../../../virt/kvm/kvm_main.c:421 kvm_mmu_memory_cache_alloc+0x50/0x60".
 */
static void print_kvm_warnings(void)
{
	static char buf[1 << 17];
	int n = klogctl(4, buf, sizeof(buf) - 1);
	char *line, *save;

	if (n <= 0)
		return;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *at = strstr(line, "WARNING: CPU:"), *site, *fn, *end;

		if (!at || !(site = strstr(at, " at ")) || !strstr(site, "/kvm/"))
			continue;
		fn = strchr(site + 4, ' ');
		if (!fn)
			continue;
		fn++;
		end = fn + strcspn(fn, "+ ");
		printf("@@ warn %.*s\n", (int)(end - fn), fn);
	}
}

int main(int argc, char **argv)
{
	char line[1024];
	FILE *in;
	if (argc != 2 || !(in = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: runner OPS-FILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	klogctl(5, NULL, 0); /* SYSLOG_ACTION_CLEAR: only the scenarios' WARNs are reported */
	while (fgets(line, sizeof(line), in)) {
		char name[256];
		long start;
		pid_t pid;
		int status;
		if (sscanf(line, "scenario %255s", name) != 1) continue;
		printf("@@ scenario %s\n", name);
		start = ftell(in);
		pid = fork();
		if (pid == 0) {
			run_scenario(in);
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status)) printf("@@ setup error=crashed:signal-%d\n", WTERMSIG(status));
		/* The child read its own copy of the stream; skip to this scenario's end here. */
		fseek(in, start, SEEK_SET);
		while (fgets(line, sizeof(line), in) && strncmp(line, "end", 3)) {}
		print_kvm_warnings();
		printf("@@ end %s\n", name);
	}
	return 0;
}
