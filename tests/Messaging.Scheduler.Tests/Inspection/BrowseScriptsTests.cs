namespace Messaging.Scheduler.Tests.Inspection;

/// <summary>The query API's read-only scripts load with their fragments, and write nothing but the bridges' own set.</summary>
public sealed class BrowseScriptsTests
{
    [Fact]
    public void The_read_scripts_are_loaded_with_their_fragments_and_do_not_write()
    {
        string[] scripts = [LuaScripts.Page, LuaScripts.Find, LuaScripts.Show];
        Assert.All(scripts, s => Assert.DoesNotContain("@include", s, StringComparison.Ordinal));
        Assert.Contains("local function entry_label(", LuaScripts.Page, StringComparison.Ordinal);
        Assert.Contains("local function redis_now_ms()", LuaScripts.Show, StringComparison.Ordinal);
        foreach (var write in new[] { "'HSET'", "'HDEL'", "'ZADD'", "'ZREM'", "'DEL'", "'SET'", "'PUBLISH'" })
            Assert.All(scripts, s => Assert.DoesNotContain(write, s, StringComparison.Ordinal));
        Assert.Contains("'ZADD', KEYS[1]", LuaScripts.Bridges, StringComparison.Ordinal);
        Assert.DoesNotContain("KEYS[2]", LuaScripts.Bridges, StringComparison.Ordinal);
    }
}
