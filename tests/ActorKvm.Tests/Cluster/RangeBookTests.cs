using ActorKvm.Cluster.Coordination;

namespace ActorKvm.Tests.Cluster;

public class RangeBookTests
{
    [Fact]
    public void Issue_HandsOutConsecutiveRangesUpToTheBudget()
    {
        var book = new RangeBook(10);
        Assert.Equal(new SeedRange(0, 4), book.Issue("a", 4));
        Assert.Equal(new SeedRange(4, 8), book.Issue("b", 4));
        Assert.Equal(new SeedRange(8, 10), book.Issue("a", 4));
        Assert.Null(book.Issue("c", 4));
        Assert.False(book.Settled);
        book.Complete("a", 0, 4);
        book.Complete("b", 4, 4);
        book.Complete("a", 8, 2);
        Assert.True(book.Settled);
        Assert.Equal([new SeedRange(0, 10)], book.Explored.Ranges);
        Assert.Equal(10, book.Explored.Count);
    }

    [Fact]
    public void LostLane_ItsRangeIsReissuedBeforeFreshOnes_AndEveryScheduleCountsOnce()
    {
        var book = new RangeBook(12);
        book.Issue("a", 4); // [0,4)
        book.Issue("lost", 4); // [4,8)
        book.Complete("a", 0, 4);
        Assert.Equal([new SeedRange(4, 8)], book.Lose(l => l == "lost"));
        Assert.Equal(new SeedRange(4, 6), book.Issue("a", 2)); // the lost range first, split to what is wanted
        Assert.Equal(new SeedRange(6, 8), book.Issue("b", 8));
        Assert.Equal(new SeedRange(8, 12), book.Issue("c", 8));
        Assert.Equal(2, book.Reissued);
        Assert.Equal(2, book.Complete("a", 4, 2));
        Assert.Equal(2, book.Complete("b", 6, 2));
        Assert.Equal(4, book.Complete("c", 8, 4));
        // The lane thought lost finishes after all: its schedules were explored by others and count nothing.
        Assert.Equal(0, book.Complete("lost", 4, 4));
        Assert.Equal(4, book.Duplicates);
        Assert.True(book.Settled);
        Assert.Equal([new SeedRange(0, 12)], book.Explored.Ranges);
    }

    [Fact]
    public void LateCompletionOfALostRange_BeforeItsReissue_IsCountedAndNotReissued()
    {
        var book = new RangeBook(8);
        book.Issue("lost", 8);
        book.Lose(l => l == "lost");
        Assert.Equal(8, book.Complete("lost", 0, 8)); // came back before anyone took it over
        Assert.Null(book.Issue("a", 8));
        Assert.True(book.Settled);
        Assert.Equal(0, book.Duplicates);
    }

    [Fact]
    public void FoundViolation_LimitsTheHuntToTheSchedulesBelowIt()
    {
        var book = new RangeBook(100);
        book.Issue("a", 10); // [0,10)
        book.Issue("b", 10); // [10,20)
        book.Complete("b", 10, 3); // schedule 12 failed
        book.LimitTo(13);
        Assert.Empty(book.LanesPastLimit());
        Assert.Null(book.Issue("b", 10)); // nothing past the failing schedule
        Assert.False(book.Settled); // [0,10) is still out: a lower schedule may fail too
        book.Complete("a", 0, 10);
        Assert.True(book.Settled);
        Assert.Equal([new SeedRange(0, 13)], book.Explored.Ranges);
    }

    [Fact]
    public void CancelledRange_ItsUnexploredPartBelowTheLimitIsIssuedAgain()
    {
        var book = new RangeBook(20);
        book.Issue("a", 20);
        book.LimitTo(15);
        Assert.Equal(["a"], book.LanesPastLimit());
        book.Complete("a", 0, 5); // stopped early
        Assert.Equal(new SeedRange(5, 15), book.Issue("b", 20));
        book.Complete("b", 5, 10);
        Assert.True(book.Settled);
        Assert.Equal(15, book.Explored.Count);
    }

    [Fact]
    public void RangeSet_MergesAndCountsOverlapsOnce()
    {
        var set = new RangeSet();
        Assert.Equal(5, set.Add(new SeedRange(10, 15)));
        Assert.Equal(5, set.Add(new SeedRange(0, 5)));
        Assert.Equal(5, set.Add(new SeedRange(3, 12))); // only [5, 10) is new
        Assert.Equal([new SeedRange(0, 15)], set.Ranges);
        Assert.Equal([new SeedRange(15, 20)], set.Missing(new SeedRange(8, 20)));
    }
}
