using System.Globalization;
using Messaging.FaultTests.Infrastructure;

namespace Messaging.FaultTests.Oracle;

/// <summary>
/// The oracle: the ledger of every scheduled token against every delivery the consumers journaled. Lost = returned
/// (durable), not cancelled, never delivered; early = received before its due time; cancelled-but-delivered = the
/// product reported the cancel done and a consumer still got it; a duplicate must carry the original MessageId and be
/// explained by a crash it was in flight at.
/// </summary>
internal static class Verifier
{
    /// <summary>How long before a crash a consumer may have received a message whose acknowledgement the crash then lost.</summary>
    public static readonly long ConsumerWindowUs = 3_000_000;

    const int EvidenceLimit = 12;

    public static void Evaluate(ScenarioResult result, Ledger ledger, JournalReader journal, IReadOnlyList<CrashEvent> crashes,
        IReadOnlySet<string>? mayBeMissing = null)
    {
        journal.Poll();
        var entries = ledger.Entries;
        result.Scheduled = entries.Count(e => e.Status == ScheduleStatus.Ok);
        result.ScheduleFailed = entries.Count(e => e.Status == ScheduleStatus.Failed);
        result.Cancelled = entries.Count(e => e.Cancel == CancelResult.Cancelled);
        result.Deliveries = journal.Count;
        result.Foreign = journal.All.Count(r => !ledger.Contains(r.Token));

        var delivered = 0;
        var lost = 0;
        var windowLost = 0;
        var early = 0;
        var cancelledDelivered = 0;
        var duplicates = 0;
        var duplicateSms = 0;
        var repeatedCalls = 0;
        var unexplained = 0;
        var wrongPayload = 0;
        var wrongId = 0;

        foreach (var e in entries.OrderBy(e => e.DueUs))
        {
            var records = journal.For(e.TokenText);
            if (records.Count > 0 && e.Status == ScheduleStatus.Ok)
                delivered++;

            if (records.Any(r => r.ReceivedUs < e.DueUs))
            {
                early++;
                var r = records.MinBy(r => r.ReceivedUs)!;
                Add(result, $"EARLY {e.TokenText} ({e.Channel} {e.CorrelationKey}): due {Clock.Format(e.DueUs)}, received {Clock.Format(r.ReceivedUs)} by pid {r.Pid} ({(e.DueUs - r.ReceivedUs) / 1000.0:0.###} ms early)");
            }

            if (records.Any(r => r.Digest != e.Digest))
            {
                wrongPayload++;
                Add(result, $"WRONG PAYLOAD {e.TokenText}: ledger digest {e.Digest}, received {string.Join(",", records.Select(r => r.Digest).Distinct())}");
            }

            if (records.Any(r => r.MessageId != e.MessageId))
            {
                wrongId++;
                Add(result, $"WRONG MESSAGEID {e.TokenText}: scheduled {e.MessageId:N}, received {string.Join(",", records.Select(r => r.MessageId.ToString("N")).Distinct())}");
            }

            if (e.Cancel == CancelResult.Cancelled && records.Count > 0)
            {
                cancelledDelivered++;
                Add(result, $"CANCELLED BUT DELIVERED {e.TokenText} ({e.CorrelationKey}): due {Clock.Format(e.DueUs)}, cancel called {Clock.Format(e.CancelCalledUs)} returned {Clock.Format(e.CancelReturnedUs)} reporting Cancelled; received {string.Join(", ", records.Select(r => $"{Clock.Format(r.ReceivedUs)} pid {r.Pid}"))}");
            }

            var expected = e.Status == ScheduleStatus.Ok && e.Cancel is not (CancelResult.Cancelled or CancelResult.Failed);
            if (expected && records.Count == 0)
            {
                if (mayBeMissing?.Contains(e.TokenText) == true)
                    windowLost++;
                else
                {
                    lost++;
                    Add(result, $"LOST {e.TokenText} ({e.Channel} {e.CorrelationKey}): due {Clock.Format(e.DueUs)}, scheduling call returned {Clock.Format(e.ReturnedUs)}, cancel {e.Cancel}; never delivered");
                }
            }

            if (records.Count > 1 && records.Select(r => r.MessageId).Distinct().Count() == 1)
                repeatedCalls++;
            else if (records.Count > 1)
            {
                duplicateSms++;
                Add(result, $"DUPLICATE SMS {e.TokenText} ({e.CorrelationKey}): {string.Join("; ", records.Select(r => $"{Clock.Format(r.ReceivedUs)} pid {r.Pid} idempotency key {r.MessageId:N}"))}");
            }

            // Copies at the broker: what at-least-once delivery may double after a crash (with the original MessageId).
            // Workers without the B journal (none today) are judged on their SMS, as before.
            var copies = journal.HasBrokerRecords ? journal.BrokerFor(e.TokenText) : records;
            if (copies.Count > 1)
            {
                duplicates++;
                if (!Explained(e, copies, crashes))
                {
                    unexplained++;
                    Add(result, $"UNEXPLAINED DUPLICATE {e.TokenText} ({e.CorrelationKey}): due {Clock.Format(e.DueUs)}; deliveries {string.Join("; ", copies.Select(r => $"{Clock.Format(r.ReceivedUs)} pid {r.Pid} redelivered={r.Redelivered} id {r.MessageId:N}"))}");
                }
            }
        }

        result.Delivered = delivered;
        result.Lost = lost;
        result.WindowLost = windowLost;
        result.Early = early;
        result.CancelledDelivered = cancelledDelivered;
        result.Duplicates = duplicates;
        result.DuplicateSms = duplicateSms;
        result.RepeatedGatewayCalls = repeatedCalls;
        if (repeatedCalls > 0)
            result.Note($"{repeatedCalls} message(s) handed to the SMS gateway twice with the same idempotency key (a worker killed between the send and the idempotent consumer's mark): one SMS at a gateway that honours idempotency keys, two at one that does not");
        if (result.RequireNoDuplicateSms && duplicateSms > 0)
            result.Fail($"{duplicateSms} message(s) sent to the SMS gateway under more than one idempotency key");
        result.UnexplainedDuplicates = unexplained;
        result.WrongPayload = wrongPayload;
        result.WrongMessageId = wrongId;

        if (result.Foreign > 0)
            result.Note(string.Create(CultureInfo.InvariantCulture, $"{result.Foreign} delivery record(s) of tokens this scenario did not schedule (left in a queue by an earlier scenario); ignored"));
    }

    static bool Explained(LedgerEntry entry, IReadOnlyList<DeliveryRecord> records, IReadOnlyList<CrashEvent> crashes)
    {
        if (records.Any(r => r.MessageId != entry.MessageId))
            return false;
        var first = records.Min(r => r.ReceivedUs);
        return crashes.Any(c => c.InFlight.Contains(entry.TokenText) || (first >= c.StartUs - ConsumerWindowUs && first <= c.EndUs));
    }

    static void Add(ScenarioResult result, string evidence)
    {
        lock (result.Evidence)
        {
            if (result.Evidence.Count < EvidenceLimit)
                result.Evidence.Add(evidence);
            else if (result.Evidence.Count == EvidenceLimit)
                result.Evidence.Add("(more evidence left out; see the ledger and journals in the run folder)");
        }
    }
}
