namespace ActorKvm.Model.Memslots;

/// <summary>
/// A memslot's dirty bitmap (<c>slot-&gt;dirty_bitmap</c>), one bit per 4 KiB page, in 64-bit words as
/// <c>KVM_GET_DIRTY_LOG</c> / <c>KVM_CLEAR_DIRTY_LOG</c> handle them.
/// </summary>
public sealed class DirtyBitmap
{
    /// <summary>Words per chunk: chunks are allocated on first write, so a slot's bitmap costs memory for the pages written, not its size.</summary>
    private const int ChunkWords = 4096;

    private readonly ulong[]?[] _chunks;
    private readonly bool _allSet;
    private readonly ulong _lastWord;

    /// <summary>Creates a bitmap for <paramref name="pages"/> pages, all set when <paramref name="allSet"/> (<c>KVM_DIRTY_LOG_INITIALLY_SET</c>).</summary>
    public DirtyBitmap(ulong pages, bool allSet)
    {
        Pages = pages;
        Words = checked((int)((pages + 63) / 64));
        _chunks = new ulong[]?[(Words + ChunkWords - 1) / ChunkWords];
        _allSet = allSet;
        var tail = (int)(pages % 64);
        _lastWord = tail == 0 ? ulong.MaxValue : (1UL << tail) - 1;
    }

    /// <summary>Pages covered.</summary>
    public ulong Pages { get; }
    /// <summary>Number of 64-bit words.</summary>
    public int Words { get; }

    /// <summary>Sets the bit of page <paramref name="offset"/> (<c>mark_page_dirty_in_slot</c>).</summary>
    public void Set(ulong offset) => Chunk((int)(offset / 64))[(int)(offset / 64) % ChunkWords] |= 1UL << (int)(offset % 64);
    /// <summary>Tests the bit of page <paramref name="offset"/>.</summary>
    public bool Test(ulong offset) => (Word((int)(offset / 64)) & (1UL << (int)(offset % 64))) != 0;
    /// <summary>The word at <paramref name="index"/>.</summary>
    public ulong Word(int index) => _chunks[index / ChunkWords] is { } c ? c[index % ChunkWords] : Initial(index);

    /// <summary>Atomically exchanges a word with 0 (<c>xchg</c> in <c>kvm_get_dirty_log_protect</c>).</summary>
    public ulong TakeWord(int index)
    {
        var w = Word(index);
        if (w != 0) Chunk(index)[index % ChunkWords] = 0;
        return w;
    }

    /// <summary>Clears the bits of <paramref name="mask"/> in a word and returns the ones that were set (<c>atomic_long_fetch_andnot</c>).</summary>
    public ulong ClearMask(int index, ulong mask)
    {
        var cleared = Word(index) & mask;
        if (cleared != 0) Chunk(index)[index % ChunkWords] &= ~mask;
        return cleared;
    }

    /// <summary>Offsets of every set bit, ascending.</summary>
    public List<ulong> SetOffsets()
    {
        var list = new List<ulong>();
        for (var c = 0; c < _chunks.Length; c++)
        {
            if (_chunks[c] is null && !_allSet) continue; // never written: all clear
            var end = Math.Min(Words, (c + 1) * ChunkWords);
            for (var w = c * ChunkWords; w < end; w++)
            {
                var word = Word(w);
                while (word != 0)
                {
                    var bit = System.Numerics.BitOperations.TrailingZeroCount(word);
                    list.Add((ulong)w * 64 + (ulong)bit);
                    word &= word - 1;
                }
            }
        }
        return list;
    }

    /// <summary>A word's value before any write.</summary>
    private ulong Initial(int index) => !_allSet ? 0 : index == Words - 1 ? _lastWord : ulong.MaxValue;

    /// <summary>The chunk holding word <paramref name="index"/>, allocated (with its initial words) on first use.</summary>
    private ulong[] Chunk(int index)
    {
        var c = index / ChunkWords;
        if (_chunks[c] is { } chunk) return chunk;
        chunk = new ulong[ChunkWords];
        if (_allSet)
            for (var i = 0; i < ChunkWords && c * ChunkWords + i < Words; i++) chunk[i] = Initial(c * ChunkWords + i);
        return _chunks[c] = chunk;
    }
}
