using ActorKvm.Engine.Scenarios.Loading;
using static ActorKvm.Tests.Scenarios.ScenarioText;

namespace ActorKvm.Tests.Scenarios;

public class ScenarioSyntaxTests
{
    // Akka's HOCON parser hangs on some of these; the timeout proves the guard works.
    [Theory(Timeout = 20000)]
    [InlineData("name = n\na = { b = [1, 2 }", "line 2", "mismatched '}': expected ']'")]
    [InlineData("name = n\nsteps = [ { op = check } }", "line 2", "mismatched")]
    [InlineData("name = n\na = 1 }", "line 2", "unexpected '}'")]
    [InlineData("name = n\nsteps = [\n { op = check }\n", "line 2", "never closed")]
    [InlineData("name = n\nvm {\n ipa-bits = 40\n", "line 2", "never closed")]
    [InlineData("name = \"unterminated\n", "line 1", "unterminated string")]
    [InlineData("name = n\ndescription = \"\"\"never ends", "line 2", "unterminated")]
    public async Task MismatchedBracketsAndTruncatedFiles_AreOneLineErrorsNotHangs(string text, string keyPath, string message)
    {
        var r = await Task.Run(() => Load(text));
        Assert.False(r.IsOk);
        Assert.Equal(keyPath, r.Error!.KeyPath);
        Assert.Contains(message, r.Error.Message);
    }

    [Fact(Timeout = 20000)]
    public async Task DeepNesting_IsRefusedBeforeParsing()
    {
        var r = await Task.Run(() => Load("name = n\nx = " + new string('[', 10_000) + new string(']', 10_000)));
        Assert.Contains("nesting deeper", r.Error!.Message);
    }

    [Fact]
    public void BracketsInsideStringsAndComments_DoNotCount()
    {
        var s = Ok("""
            # a comment with a } and a [
            name = "n [ {"   // another ] comment
            description = "closing } and ] inside a string, and a \" quote"
            """);
        Assert.Equal("n [ {", s.Name);
    }

    [Fact]
    public void ParserErrors_BecomeOneLineWithALine()
    {
        var e = Error("name = n\nsteps = [ { op = check, a = 1, , } ]", "line 2", "invalid HOCON");
        Assert.True(e.ToString().Length < 200, e.ToString());
    }

    [Fact]
    public void ObjectFieldWithoutSeparator_InsideAnInlineObject_ReadsAsWithIt()
    {
        // HOCON lets `key { }` omit its '='; Akka's parser refuses the form when another field follows it.
        const string Create = """{ op = memslot-create, slot XX{ id = 1, gpa = "0x80000000", size = 2M, hva = "0x7f0000000000" }, expect { result = ok } }""";
        var without = Step(Create.Replace("XX", ""));
        var with = Step(Create.Replace("XX", "= "));
        Assert.Equal(with, without);
        Assert.Equal("n { = }", Ok("name = \"n { = }\" # slot { x }").Name); // strings and comments are left alone
    }

    [Fact]
    public void JsonFile_IsReadLikeTheSameHocon()
    {
        var json = Ok("""
            { "name": "j", "vm": { "ipa-bits": 44, "features": { "mte": false } },
              "host": { "vmas": [ { "hva": "0x7f0000000000", "size": "64M", "backing": "thp", "prot": "rw" } ] },
              "memslots": [ { "id": 0, "gpa": 1073741824, "size": 4194304, "hva": "0x7f0000000000" } ],
              "steps": [ { "op": "access", "gpa": "0x40001000", "kind": "write", "value": 7, "expect": { "faults": ["map"] } } ],
              "expect": { "violations": [] } }
            """, "x.json");
        var hocon = Ok("""
            name = j
            vm { ipa-bits = 44, features.mte = false }
            host.vmas = [ { hva = "0x7f0000000000", size = 64M, backing = thp, prot = rw } ]
            memslots = [ { id = 0, gpa = "0x40000000", size = 4M, hva = "0x7f0000000000" } ]
            steps = [ { op = access, gpa = "0x40001000", kind = write, value = 7, expect.faults = [map] } ]
            expect.violations = []
            """);
        Assert.Equal(hocon.Vm, json.Vm);
        Assert.Equal(hocon.Host.Vmas, json.Host.Vmas);
        Assert.Equal(hocon.Memslots, json.Memslots);
        Assert.Equal(hocon.Steps[0] with { Expect = json.Steps[0].Expect }, json.Steps[0]);
        Assert.Equal(hocon.Steps[0].Expect.Faults, json.Steps[0].Expect.Faults);
    }

    [Theory]
    [InlineData("{ \"name\": \"j\", }", "invalid JSON")]
    [InlineData("{ \"name\": \"j\" // c\n }", "invalid JSON")]
    [InlineData("{ \"name\": \"j\",\n \"name\": \"k\" }", "duplicate key")]
    [InlineData("{ \"name\": \"j\",\n \"steps\": [ }", "invalid JSON")]
    public void JsonFiles_AreParsedStrictly(string text, string message)
    {
        var r = Load(text, "x.json");
        Assert.False(r.IsOk);
        Assert.Contains(message, r.Error!.Message);
    }

    [Fact]
    public void JsonErrors_NameTheLine() => Assert.Equal("line 2", Load("{ \"name\": \"j\",\n \"steps\": [ } ", "x.json").Error!.KeyPath);

    [Fact]
    public void JsonShapedHoconFile_IsReadAsJson() =>
        Assert.Equal(48, Ok("{ \"name\": \"j\", \"vm\": { \"ipa-bits\": 48 } }", "x.hocon").Vm.IpaBits);

    [Fact]
    public void BracedHoconThatIsNotJson_IsStillHocon() => Assert.Equal("h", Ok("{ name = h }").Name);

    [Fact]
    public void JsonTypeMismatch_ShowsTheJsonValue()
    {
        Assert.Equal("expected a string, got a list", Load("{ \"name\": \"j\", \"description\": [1] }", "x.json").Error!.Message);
        Assert.Equal("expected true or false, got 1", Load("{ \"name\": \"j\", \"vm\": { \"protected\": 1 } }", "x.json").Error!.Message);
        Assert.Equal("vm.protected", Load("{ \"name\": \"j\", \"vm\": { \"protected\": 1 } }", "x.json").Error!.KeyPath);
    }

    [Fact]
    public void MissingFile_IsAnErrorNotAnException()
    {
        var r = ScenarioLoader.LoadFile(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("n") + ".hocon"));
        Assert.False(r.IsOk);
        Assert.Equal("no such file", r.Error!.Message);
    }
}
