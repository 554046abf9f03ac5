using ActorKvm.Model.Arch;

namespace ActorKvm.Tests.Arch;

public class EsrTests
{
    [Fact]
    public void Make_RoundTripsEveryField()
    {
        var esr = Esr.Make(Esr.EcDabtLow, FscCodes.Permission(2), wnr: true, s1ptw: true, cm: true, isv: false);
        Assert.Equal(Esr.EcDabtLow, esr.Ec);
        Assert.Equal(FscCodes.Permission(2), esr.Fsc);
        Assert.True(esr.IsWnR);
        Assert.True(esr.IsS1Ptw);
        Assert.True(esr.IsCm);
        Assert.False(esr.IsIsv);
        Assert.False(esr.IsIabt);
    }

    [Fact]
    public void Make_EncodesArchitecturalBitPositions()
    {
        var esr = Esr.Make(Esr.EcIabtLow, FscCodes.Translation(3), wnr: false, s1ptw: false, cm: false, isv: true);
        // EC 0x20 at [31:26], IL [25], ISV [24], FSC 0x07 at [5:0]
        Assert.Equal((0x20UL << 26) | (1UL << 25) | (1UL << 24) | 0x07, esr.Value);
        Assert.True(esr.IsIabt);
    }

    [Fact]
    public void DataAbortWithWnR_IsWriteFault() =>
        Assert.True(Esr.Make(Esr.EcDabtLow, FscCodes.Translation(3), wnr: true).IsWriteFault);

    [Fact]
    public void DataAbortWithoutWnR_IsReadFault() =>
        Assert.False(Esr.Make(Esr.EcDabtLow, FscCodes.Translation(3), wnr: false).IsWriteFault);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void S1PtwTranslationFault_IsNeverAWriteWhateverWnR(bool wnr) =>
        Assert.False(Esr.Make(Esr.EcDabtLow, FscCodes.Translation(2), wnr: wnr, s1ptw: true).IsWriteFault);

    [Fact]
    public void S1PtwAccessFlagFault_IsNotAWrite() =>
        Assert.False(Esr.Make(Esr.EcDabtLow, FscCodes.AccessFlag(3), wnr: true, s1ptw: true).IsWriteFault);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void S1PtwPermissionFault_IsAWriteWhateverWnR(bool wnr) =>
        Assert.True(Esr.Make(Esr.EcDabtLow, FscCodes.Permission(3), wnr: wnr, s1ptw: true).IsWriteFault);

    [Fact]
    public void S1PtwPermissionFaultFromInstructionAbort_IsAWrite() =>
        // kvm_is_write_fault tests S1PTW before IABT
        Assert.True(Esr.Make(Esr.EcIabtLow, FscCodes.Permission(3), s1ptw: true).IsWriteFault);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void InstructionAbort_IsNeverAWrite(bool wnr)
    {
        Assert.False(Esr.Make(Esr.EcIabtLow, FscCodes.Translation(3), wnr: wnr).IsWriteFault);
        Assert.False(Esr.Make(Esr.EcIabtLow, FscCodes.Permission(3), wnr: wnr).IsWriteFault);
    }

    [Fact]
    public void InstructionAbort_IsExecFault() =>
        Assert.True(Esr.Make(Esr.EcIabtLow, FscCodes.Permission(3)).IsExecFault);

    [Fact]
    public void InstructionAbortOnStage1Walk_IsNotExecFault() =>
        Assert.False(Esr.Make(Esr.EcIabtLow, FscCodes.Translation(3), s1ptw: true).IsExecFault);

    [Fact]
    public void DataAbort_IsNotExecFault() =>
        Assert.False(Esr.Make(Esr.EcDabtLow, FscCodes.Permission(3)).IsExecFault);

    [Theory]
    [InlineData(0, 1UL << 39)]
    [InlineData(1, 1UL << 30)]
    [InlineData(2, 1UL << 21)]
    [InlineData(3, 1UL << 12)]
    public void PermFaultGranule_IsTheLevelSize(int level, ulong granule) =>
        Assert.Equal(granule, Esr.Make(Esr.EcDabtLow, FscCodes.Permission(level), wnr: true).PermFaultGranule);

    [Fact]
    public void PermFaultGranule_MatchesSizes()
    {
        Assert.Equal(Sizes.PudSize, Esr.Make(Esr.EcDabtLow, FscCodes.Permission(1)).PermFaultGranule);
        Assert.Equal(Sizes.PmdSize, Esr.Make(Esr.EcDabtLow, FscCodes.Permission(2)).PermFaultGranule);
        Assert.Equal(Sizes.PageSize, Esr.Make(Esr.EcDabtLow, FscCodes.Permission(3)).PermFaultGranule);
    }

    [Theory]
    [InlineData(0x07)]
    [InlineData(0x2B)]
    [InlineData(0x0B)]
    [InlineData(0x10)]
    [InlineData(0x35)]
    public void PermFaultGranule_ThrowsOnNonPermissionFsc(byte code) =>
        Assert.Throws<InvalidOperationException>(() => Esr.Make(Esr.EcDabtLow, (Fsc)code).PermFaultGranule);

    [Fact]
    public void ToString_NamesAbortKindFscAndFlags()
    {
        var text = Esr.Make(Esr.EcDabtLow, FscCodes.Permission(3), wnr: true, s1ptw: true).ToString();
        Assert.Contains("dabt", text);
        Assert.Contains("permission-l3", text);
        Assert.Contains("wnr", text);
        Assert.Contains("s1ptw", text);
    }
}
