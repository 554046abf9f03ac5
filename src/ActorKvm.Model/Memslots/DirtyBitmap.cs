namespace ActorKvm.Model.Memslots;

/// <summary>
/// A memslot's dirty bitmap (<c>slot-&gt;dirty_bitmap</c>), one bit per 4 KiB page, in 64-bit words as
/// <c>KVM_GET_DIRTY_LOG</c> / <c>KVM_CLEAR_DIRTY_LOG</c> handle them.
/// </summary>
public sealed class DirtyBitmap
{
    private readonly ulong[] _words;

    /// <summary>Creates a bitmap for <paramref name="pages"/> pages, all set when <paramref name="allSet"/> (<c>KVM_DIRTY_LOG_INITIALLY_SET</c>).</summary>
    public DirtyBitmap(ulong pages, bool allSet)
    {
        Pages = pages;
        _words = new ulong[(pages + 63) / 64];
        if (!allSet) return;
        Array.Fill(_words, ulong.MaxValue);
        var tail = (int)(pages % 64);
        if (tail != 0) _words[^1] = (1UL << tail) - 1;
    }

    /// <summary>Pages covered.</summary>
    public ulong Pages { get; }
    /// <summary>Number of 64-bit words.</summary>
    public int Words => _words.Length;

    /// <summary>Sets the bit of page <paramref name="offset"/> (<c>mark_page_dirty_in_slot</c>).</summary>
    public void Set(ulong offset) => _words[offset / 64] |= 1UL << (int)(offset % 64);
    /// <summary>Tests the bit of page <paramref name="offset"/>.</summary>
    public bool Test(ulong offset) => (_words[offset / 64] & (1UL << (int)(offset % 64))) != 0;
    /// <summary>The word at <paramref name="index"/>.</summary>
    public ulong Word(int index) => _words[index];

    /// <summary>Atomically exchanges a word with 0 (<c>xchg</c> in <c>kvm_get_dirty_log_protect</c>).</summary>
    public ulong TakeWord(int index)
    {
        var w = _words[index];
        _words[index] = 0;
        return w;
    }

    /// <summary>Clears the bits of <paramref name="mask"/> in a word and returns the ones that were set (<c>atomic_long_fetch_andnot</c>).</summary>
    public ulong ClearMask(int index, ulong mask)
    {
        var cleared = _words[index] & mask;
        _words[index] &= ~mask;
        return cleared;
    }

    /// <summary>Offsets of every set bit, ascending.</summary>
    public List<ulong> SetOffsets()
    {
        var list = new List<ulong>();
        for (var w = 0; w < _words.Length; w++)
        {
            var word = _words[w];
            while (word != 0)
            {
                var bit = System.Numerics.BitOperations.TrailingZeroCount(word);
                list.Add((ulong)w * 64 + (ulong)bit);
                word &= word - 1;
            }
        }
        return list;
    }
}
