using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>The include step that puts the shared Lua fragments (<c>Storage/Scripts/include/*.lua</c>) into the scripts.</summary>
public sealed class LuaScriptsTests
{
    [Fact]
    public void Every_script_is_loaded_with_its_fragments_in_place_of_the_includes()
    {
        string[] scripts = [LuaScripts.Schedule, LuaScripts.Cancel, LuaScripts.Claim, LuaScripts.AcknowledgeBatch, LuaScripts.Release,
            LuaScripts.Requeue, LuaScripts.Recurring, LuaScripts.Reschedule, LuaScripts.DeadLetters, LuaScripts.ReadCounts];
        Assert.All(scripts, s => Assert.DoesNotContain("@include", s, StringComparison.Ordinal));
        Assert.Contains("local function redis_now_ms()", LuaScripts.Claim, StringComparison.Ordinal);
        Assert.Contains("local function entry_with_attempts(", LuaScripts.Release, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fragment_included_twice_appears_once()
    {
        var script = LuaScripts.Expand("--- @include \"clock\"\n--- @include \"clock\"\nreturn redis_now_ms()\n", "test");
        Assert.Equal(2, script.Split("local function redis_now_ms()").Length);
        Assert.EndsWith("return redis_now_ms()\n", script, StringComparison.Ordinal);
    }

    [Fact]
    public void An_include_that_names_no_fragment_fails_the_load()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => LuaScripts.Expand("--- @include \"no-such-fragment\"\nreturn 1\n", "test"));
        Assert.Contains("no-such-fragment", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_script_gets_keys_of_its_partition_only_so_that_one_call_stays_in_one_cluster_slot()
    {
        var partition = new SchedulerKeyspace("scheduler:", 8).Partitions[3];
        RedisKey[][] lists = [partition.ScheduleKeys("A", "t"), partition.CancelKeys("A", "t"), partition.ClaimKeys, partition.AcknowledgeKeys,
            partition.ReleaseKeys, partition.RequeueKeys, partition.RecurringKeys, partition.RescheduleKeys("A", "t"), partition.DeadLettersKeys,
            partition.CountsKeys, partition.LegacyImportKeys("A", "t", "A:1")];
        Assert.All(lists.SelectMany(keys => keys), key => Assert.StartsWith("scheduler:{" + partition.Tag + "}:", (string)key!, StringComparison.Ordinal));
        Assert.All(lists, keys => Assert.Equal(keys.Length, keys.Distinct().Count()));
    }
}
