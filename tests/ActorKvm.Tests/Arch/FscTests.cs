using ActorKvm.Model.Arch;

namespace ActorKvm.Tests.Arch;

public class FscTests
{
    [Theory]
    [InlineData(0, 0x04)]
    [InlineData(1, 0x05)]
    [InlineData(2, 0x06)]
    [InlineData(3, 0x07)]
    [InlineData(-1, 0x2B)]
    public void TranslationFault_EncodesLevelAndDecodesBack(int level, byte code)
    {
        var fsc = FscCodes.Translation(level);
        Assert.Equal(code, (byte)fsc);
        Assert.True(fsc.IsTranslation());
        Assert.False(fsc.IsPermission());
        Assert.False(fsc.IsAccessFlag());
        Assert.False(fsc.IsSea());
        Assert.Equal(level, fsc.Level());
    }

    [Theory]
    [InlineData(0, 0x08)]
    [InlineData(1, 0x09)]
    [InlineData(2, 0x0A)]
    [InlineData(3, 0x0B)]
    public void AccessFlagFault_EncodesLevelAndDecodesBack(int level, byte code)
    {
        var fsc = FscCodes.AccessFlag(level);
        Assert.Equal(code, (byte)fsc);
        Assert.True(fsc.IsAccessFlag());
        Assert.False(fsc.IsTranslation());
        Assert.False(fsc.IsPermission());
        Assert.Equal(level, fsc.Level());
    }

    [Theory]
    [InlineData(0, 0x0C)]
    [InlineData(1, 0x0D)]
    [InlineData(2, 0x0E)]
    [InlineData(3, 0x0F)]
    public void PermissionFault_EncodesLevelAndDecodesBack(int level, byte code)
    {
        var fsc = FscCodes.Permission(level);
        Assert.Equal(code, (byte)fsc);
        Assert.True(fsc.IsPermission());
        Assert.False(fsc.IsTranslation());
        Assert.False(fsc.IsAccessFlag());
        Assert.Equal(level, fsc.Level());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public void AccessFlagAndPermissionFaults_HaveNoLevelOutside0To3(int level)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FscCodes.AccessFlag(level));
        Assert.Throws<ArgumentOutOfRangeException>(() => FscCodes.Permission(level));
    }

    [Fact]
    public void TranslationFault_HasNoLevelBelowMinus1OrAbove3()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FscCodes.Translation(-2));
        Assert.Throws<ArgumentOutOfRangeException>(() => FscCodes.Translation(4));
    }

    [Fact]
    public void FaultNlBaseItself_IsNotATranslationFault()
    {
        // esr_fsc_is_translation_fault accepts 0x04..0x07 and ESR_ELx_FSC_FAULT_nL + (-1) only
        Assert.False(((Fsc)0x2C).IsTranslation());
    }

    [Theory]
    [InlineData(0x10)]
    [InlineData(0x13)]
    [InlineData(0x14)]
    [InlineData(0x15)]
    [InlineData(0x16)]
    [InlineData(0x17)]
    [InlineData(0x18)]
    [InlineData(0x1B)]
    [InlineData(0x1C)]
    [InlineData(0x1F)]
    public void ExternalAbortAndParityCodes_AreSea(byte code)
    {
        var fsc = (Fsc)code;
        Assert.True(fsc.IsSea());
        Assert.False(fsc.IsTranslation());
        Assert.False(fsc.IsPermission());
        Assert.False(fsc.IsAccessFlag());
        Assert.Equal("sea", fsc.Describe());
    }

    [Theory]
    [InlineData(-1, 0x13)]
    [InlineData(0, 0x14)]
    [InlineData(3, 0x17)]
    public void ExternalAbortOnWalk_EncodesLevel(int level, byte code) =>
        Assert.Equal(code, (byte)FscCodes.ExtAbtOnWalk(level));

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x04)]
    [InlineData(0x0C)]
    [InlineData(0x11)]
    [InlineData(0x12)]
    [InlineData(0x19)]
    [InlineData(0x1A)]
    [InlineData(0x35)]
    public void OtherCodes_AreNotSea(byte code) => Assert.False(((Fsc)code).IsSea());

    [Fact]
    public void ExclusiveAtomicFault_Is0x35AndNothingElse()
    {
        Assert.Equal(0x35, (byte)Fsc.ExclAtomic);
        Assert.True(Fsc.ExclAtomic.IsExclAtomic());
        Assert.False(Fsc.ExclAtomic.IsTranslation());
        Assert.False(Fsc.ExclAtomic.IsPermission());
        Assert.False(Fsc.ExclAtomic.IsAccessFlag());
        Assert.False(Fsc.ExclAtomic.IsSea());
        Assert.False(FscCodes.Permission(1).IsExclAtomic());
        Assert.Equal("excl-atomic", Fsc.ExclAtomic.Describe());
    }

    [Fact]
    public void Describe_NamesKindAndLevel()
    {
        Assert.Equal("translation-l-1", FscCodes.Translation(-1).Describe());
        Assert.Equal("access-flag-l2", FscCodes.AccessFlag(2).Describe());
        Assert.Equal("permission-l3", FscCodes.Permission(3).Describe());
        Assert.Equal("fsc-0x00", Fsc.AddressSizeL0.Describe());
    }
}
