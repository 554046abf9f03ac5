using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Mutation;

/// <summary>
/// Reach for the memslot and dirty-log ioctls in the mutation kill criterion: seeded random sequences of
/// <c>KVM_SET_USER_MEMORY_REGION</c> requests (valid and invalid: misaligned, overlapping, out of range, too large,
/// device memory with logging, guest_memfd flags, moves, deletes), guest writes, and <c>KVM_GET_DIRTY_LOG</c> /
/// <c>KVM_CLEAR_DIRTY_LOG</c> with valid and invalid ranges, over slots with partial bitmap words and one larger than a
/// bitmap chunk; the VMM's own loads, stores, mmaps and mprotects in between. Only the oracle judges: no errno or page
/// list is asserted here.
/// </summary>
[Trait("Category", "OracleKill")]
public class IoctlFuzzTests
{
    private const ulong ThpHva = 0x7f00_0000_0000, HugeHva = 0x7f10_0000_0000, DevHva = 0x7f20_0000_0000,
        DevCacheableHva = 0x7f30_0000_0000, BigHva = 0x7f40_0000_0000, FileHva = 0x7f50_0000_0000;
    private const ulong BigSize = (1UL << 30) + Sizes.PmdSize + 0x5000; // two bitmap chunks, a partial last word
    private const int Ops = 220;

    public static TheoryData<string> Configs() => ["default", "manual-protect", "init-set-eager-split", "mte-eager-split", "cacheable-pfnmap"];

    private static KvmConfig Config(string name) => name switch
    {
        "manual-protect" => new KvmConfig(ManualDirtyProtect: true),
        "init-set-eager-split" => new KvmConfig(ManualDirtyProtect: true, InitiallyAllSet: true, EagerSplitChunk: Sizes.PmdSize),
        "mte-eager-split" => new KvmConfig(Mte: true, EagerSplitChunk: Sizes.PmdSize),
        "cacheable-pfnmap" => new KvmConfig(CacheDic: true),
        _ => new KvmConfig(),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void RandomMemslotAndDirtyLogIoctls_MeetTheOracle(string config)
    {
        var vm = new TestVm(Config(config))
            .Vma(ThpHva, 32UL << 20, BackingKind.Thp)
            .Vma(HugeHva, 16UL << 20, BackingKind.Hugetlb2M)
            .Vma(DevHva, 4UL << 20, BackingKind.Device)
            .Vma(DevCacheableHva, Sizes.PmdSize, BackingKind.DeviceCacheable)
            .Vma(BigHva, BigSize + Sizes.PmdSize, BackingKind.Anon)
            .Vma(FileHva, 4UL << 20, BackingKind.File);
        var kvm = vm.Kvm;
        Opening(vm);
        var rng = new Random(config.Length * 7919 + 17);
        for (var step = 0; step < Ops; step++)
        {
            var roll = rng.Next(100);
            kvm.Oracle.Context = $"ops[{step}]";
            if (roll < 26) GuestAccess(vm, rng, AccessKind.Write);
            else if (roll < 32) GuestAccess(vm, rng, AccessKind.Read);
            else if (roll < 54) Drive.ToEnd(new MemslotUpdate(kvm, vm.NextId(), RandomRequest(kvm, rng)));
            else if (roll < 66) Drive.ToEnd(new DirtyLogIoctl(kvm, vm.NextId(), RandomSlotId(rng), clear: false));
            else if (roll < 80) RandomClear(vm, rng);
            else if (roll < 88) Drive.ToEnd(new HostAccess(kvm, vm.NextId(), new Hva(RandomHva(rng)), rng.Next(2) == 0, (ulong)rng.Next(1, 1000)));
            else if (roll < 94) RandomMmap(vm, rng);
            else Drive.ToEnd(vm.HostOp(HostOp.Mprotect, RandomHva(rng) & ~(Sizes.PmdSize - 1), Sizes.PmdSize,
                rng.Next(2) == 0 ? HostProt.Read : HostProt.Read | HostProt.Write));
            AssertNoViolation(kvm);
        }
        kvm.Oracle.CheckAtRest();
        Assert.True(kvm.Oracle.Violations.Count == 0, string.Join("; ", kvm.Oracle.Violations));
        // Not vacuous: the sequence created, moved and deleted slots and harvested pages.
        Assert.True(kvm.Oracle.Reach[ReachPoint.MemslotCreate] > 3 && kvm.Oracle.Reach[ReachPoint.MemslotRefused] > 10, "too few memslot ioctls got through or were refused");
    }

    /// <summary>
    /// Fixed cases the random sequence meets too rarely: GETs of logging slots whose bitmaps have a partial last word, an
    /// untouched chunk and a second chunk (before and after writes there), CLEARs at and past the end of a slot with a
    /// partial last word and of one without, one ending inside a last word with a dirty page high in it, a request of exactly <c>KVM_MEM_MAX_NR_PAGES</c> and a delete of
    /// an unused id. Its slots (ids 5-7 and 10, outside the random ids) are deleted again before the random part.
    /// </summary>
    private static void Opening(TestVm vm)
    {
        var kvm = vm.Kvm;
        var big = (Id: 5, Gpa: 0x1_0000_0000UL);
        var odd = (Id: 6, Gpa: 0x4000_0000UL);  // 517 pages: a partial last word
        var tail = (Id: 7, Gpa: 0x8000_0000UL); // 100 pages: CLEAR 64/36 ends inside the last word
        var whole = (Id: 10, Gpa: 0xC000_0000UL); // 512 pages: whole words, so CLEARs at its end pass the alignment check
        void Ioctl(string what, Action a)
        {
            kvm.Oracle.Context = $"opening: {what}";
            a();
            AssertNoViolation(kvm);
        }
        void Set(int id, ulong gpa, ulong size, ulong hva, MemslotFlags flags) =>
            Ioctl($"set slot {id} size {size:x}", () => Drive.ToEnd(new MemslotUpdate(kvm, vm.NextId(), new MemslotRequest(id, new Ipa(gpa), size, new Hva(hva), flags))));
        void Get(int id) => Ioctl($"get {id}", () => Drive.ToEnd(new DirtyLogIoctl(kvm, vm.NextId(), id, clear: false)));
        void Clear(int id, ulong first, ulong count) => Ioctl($"clear {id} {first}/{count}", () => Drive.ToEnd(new DirtyLogIoctl(kvm, vm.NextId(), id, clear: true, first, count)));
        void Write(ulong gpa, ulong page) => Ioctl($"write {gpa + page * Sizes.PageSize:x}", () => Drive.ToEnd(vm.Start(gpa + page * Sizes.PageSize, AccessKind.Write, page + 1)));

        Set(big.Id, big.Gpa, BigSize, BigHva, MemslotFlags.LogDirtyPages);
        Set(odd.Id, odd.Gpa, Sizes.PmdSize + 0x5000, ThpHva, MemslotFlags.LogDirtyPages);
        Set(tail.Id, tail.Gpa, 100 * Sizes.PageSize, ThpHva + (20UL << 20), MemslotFlags.LogDirtyPages);
        Set(whole.Id, whole.Gpa, Sizes.PmdSize, ThpHva + (24UL << 20), MemslotFlags.LogDirtyPages);
        Assert.Equal(4, kvm.Memslots.Slots.Count(s => s.IsLogging));
        Get(big.Id);
        Get(odd.Id);
        var bigPages = BigSize >> Sizes.PageShift;
        foreach (var p in new[] { 0UL, 1UL << 18, bigPages - 1 }) Write(big.Gpa, p);
        foreach (var p in new[] { 0UL, 95UL, 516UL }) Write(odd.Gpa, p);
        Write(tail.Gpa, 95);
        Get(big.Id);
        Get(odd.Id);
        Clear(odd.Id, 517, 0);
        Clear(odd.Id, 517, 64);
        Clear(tail.Id, 64, 36);
        Clear(whole.Id, 512, 0);  // first_page == npages, nothing to clear: 0
        Clear(whole.Id, 512, 64); // num_pages > npages - first_page: -EINVAL
        Clear(big.Id, 0, bigPages);
        Clear(odd.Id, 0, 517);
        Set(8, 0x2_0000_0000, MemslotValidation.MaxNrPages << Sizes.PageShift, ThpHva, MemslotFlags.None);
        Set(3, 0x4000_0000, 0, ThpHva, MemslotFlags.None); // delete of an id never used
        foreach (var (id, gpa) in new[] { big, odd, tail, whole }) Set(id, gpa, 0, ThpHva, MemslotFlags.None);
        Assert.Empty(kvm.Memslots.Slots);
    }

    private static void AssertNoViolation(Kvm kvm)
    {
        kvm.Oracle.Check();
        Assert.True(kvm.Oracle.Violations.Count == 0, $"{kvm.Oracle.Context}: {string.Join("; ", kvm.Oracle.Violations)}");
    }

    private static int RandomSlotId(Random rng) => rng.Next(12) switch
    {
        0 => -1,
        1 => MemslotValidation.MaxUserSlots,
        2 => 9,
        var n => n % 5,
    };

    private static void GuestAccess(TestVm vm, Random rng, AccessKind kind)
    {
        var slots = vm.Kvm.Memslots.Slots.Where(s => !s.HasGmem).ToArray();
        if (slots.Length == 0) return;
        var s = slots[rng.Next(slots.Length)];
        // Mostly the first pages (so pages get written twice and harvested between), sometimes the last ones.
        var page = rng.Next(4) == 0 ? s.NPages - 1 - (ulong)rng.Next((int)Math.Min(s.NPages, 130)) : (ulong)rng.Next((int)Math.Min(s.NPages, 600));
        Drive.ToEnd(vm.Start((s.BaseGfn + page).ToIpa().Value, kind, (ulong)rng.Next(1, 1000)));
    }

    private static ulong RandomHva(Random rng)
    {
        ulong[] bases = [ThpHva, HugeHva, FileHva, BigHva, 0x7f60_0000_0000, 0x1000];
        return bases[rng.Next(bases.Length)] + (ulong)rng.Next(2048) * Sizes.PageSize;
    }

    /// <summary>An mmap: a fresh range or one in use, hugetlb at a page or a huge-page boundary, sometimes of length 0.</summary>
    private static void RandomMmap(TestVm vm, Random rng)
    {
        var backing = rng.Next(3) switch { 0 => BackingKind.Hugetlb2M, 1 => BackingKind.File, _ => BackingKind.Anon };
        var hva = rng.Next(3) == 0 ? ThpHva + Sizes.PmdSize : 0x7f60_0000_0000 + (ulong)rng.Next(64) * (rng.Next(2) == 0 ? Sizes.PageSize : Sizes.PmdSize);
        ulong[] sizes = [0, 0x1800, Sizes.PmdSize, Sizes.PmdSize + 0x1000];
        Drive.ToEnd(new HostMmap(vm.Kvm, vm.NextId(), new Hva(hva), sizes[rng.Next(sizes.Length)], backing, HostProt.Read | HostProt.Write, rng.Next(4) == 0));
    }

    private static void RandomClear(TestVm vm, Random rng)
    {
        var id = RandomSlotId(rng);
        var npages = vm.Kvm.Memslots.ById(id)?.NPages ?? 512;
        ulong[] firsts = [0, 0, 64, 128, 1, 63, npages & ~63UL, npages + 64, 4096 * 64];
        var first = firsts[rng.Next(firsts.Length)];
        var rest = npages > first ? npages - first : 0;
        ulong[] counts = [64, 128, 0, 10, rest, rest, rest + 1, 1000, rest & ~63UL];
        var count = counts[rng.Next(counts.Length)];
        Drive.ToEnd(new DirtyLogIoctl(vm.Kvm, vm.NextId(), id, clear: true, first, count));
    }

    /// <summary>A request: half of them change an existing slot (move, flags, delete, a changed size or address), half are new.</summary>
    private static MemslotRequest RandomRequest(Kvm kvm, Random rng)
    {
        var flags = RandomFlags(rng);
        if (kvm.Memslots.Slots.Count > 0 && rng.Next(2) == 0)
        {
            var s = kvm.Memslots.Slots[rng.Next(kvm.Memslots.Slots.Count)];
            return rng.Next(8) switch
            {
                0 => new MemslotRequest(s.Id, s.Gpa, 0, s.UserspaceAddr, s.Flags),                                   // delete
                1 or 2 => new MemslotRequest(s.Id, RandomGpa(rng), s.Size, s.UserspaceAddr, s.Flags),                // move
                3 => new MemslotRequest(s.Id, s.Gpa, s.Size + Sizes.PmdSize, s.UserspaceAddr, s.Flags),              // other size
                4 => new MemslotRequest(s.Id, s.Gpa, s.Size, s.UserspaceAddr + Sizes.PmdSize, s.Flags),              // other address
                5 => new MemslotRequest(s.Id, s.Gpa, s.Size, s.UserspaceAddr, s.Flags),                              // no change
                _ => new MemslotRequest(s.Id, s.Gpa, s.Size, s.UserspaceAddr, s.Flags ^ MemslotFlags.LogDirtyPages
                    ^ (rng.Next(4) == 0 ? MemslotFlags.ReadOnly : MemslotFlags.None)),                              // flags
            };
        }
        var id = RandomSlotId(rng);
        var (hva, size) = rng.Next(10) switch
        {
            0 => (DevHva, 4UL << 20),
            1 => (DevCacheableHva, Sizes.PmdSize),
            2 => (HugeHva + Sizes.PmdSize, 6UL << 20),
            3 => (BigHva, BigSize),
            4 => (ThpHva + 0x10, Sizes.PmdSize),                          // misaligned address
            5 => (ThpHva, Sizes.PmdSize + 0x5000),                         // 517 pages: a partial bitmap word
            6 => (ThpHva + (4UL << 20), 0x3000UL),
            7 => (FileHva, 4UL << 20),
            8 => (ThpHva, (MemslotValidation.MaxNrPages + 1) << Sizes.PageShift),
            _ => (ThpHva + (8UL << 20), 4UL << 20),
        };
        if (rng.Next(12) == 0) size += 0x800;                              // misaligned size
        return new MemslotRequest(id, RandomGpa(rng), size, new Hva(hva), flags);
    }

    private static Ipa RandomGpa(Random rng) => rng.Next(16) switch
    {
        0 => new Ipa(0x4000_0800),                                        // misaligned
        1 => new Ipa((1UL << 40) - Sizes.PmdSize),                        // runs past the IPA space
        2 => new Ipa(ulong.MaxValue - 0xfff),                             // wraps around
        3 => new Ipa(0x1_0000_0000),                                      // the big slot's place
        var n => new Ipa(0x4000_0000 + (ulong)(n % 8) * Sizes.PmdSize * 3), // overlaps likely
    };

    private static MemslotFlags RandomFlags(Random rng)
    {
        var f = MemslotFlags.None;
        if (rng.Next(3) == 0) f |= MemslotFlags.LogDirtyPages;
        if (rng.Next(8) == 0) f |= MemslotFlags.ReadOnly;
        if (rng.Next(20) == 0) f |= MemslotFlags.GuestMemfd;
        return f;
    }
}
