using System.Globalization;

namespace Messaging.FaultTests.Oracle;

/// <summary>
/// The journal's line format, written by the worker and read by the suite: tab-separated, one line per event.
/// <c>D token messageId receivedUs digest pid channel redelivered key</c> for an SMS the consumer sent, <c>B ...</c> (same
/// fields) for a copy the broker handed a consumer, <c>R pid us</c> when the worker is ready.
/// </summary>
internal static class JournalLine
{
    public static string Delivery(DeliveryRecord r) => string.Join('\t', "D", r.Token, r.MessageId.ToString("N"),
        r.ReceivedUs.ToString(CultureInfo.InvariantCulture), r.Digest, r.Pid.ToString(CultureInfo.InvariantCulture), r.Channel,
        r.Redelivered ? "1" : "0", r.CorrelationKey) + "\n";

    /// <summary><c>B ...</c>, the same fields as a delivery: the broker handed a consumer the message (before the idempotent
    /// filter, which may acknowledge it without an SMS).</summary>
    public static string Broker(DeliveryRecord r) => "B" + Delivery(r)[1..];

    public static bool TryParseBroker(string line, out DeliveryRecord record)
    {
        record = null!;
        return line.StartsWith("B\t", StringComparison.Ordinal) && TryParseDelivery("D" + line[1..], out record);
    }

    public static string Ready(int pid, long us) =>
        string.Join('\t', "R", pid.ToString(CultureInfo.InvariantCulture), us.ToString(CultureInfo.InvariantCulture)) + "\n";

    public static bool TryParseDelivery(string line, out DeliveryRecord record)
    {
        record = null!;
        var f = line.Split('\t');
        if (f.Length != 9 || f[0] != "D"
            || !Guid.TryParseExact(f[2], "N", out var messageId)
            || !long.TryParse(f[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var us)
            || !int.TryParse(f[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            return false;
        record = new DeliveryRecord(f[1], messageId, us, f[4], pid, f[6], f[7] == "1", f[8]);
        return true;
    }

    public static bool TryParseReady(string line, out long us)
    {
        us = 0;
        var f = line.Split('\t');
        return f.Length == 3 && f[0] == "R" && long.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out us);
    }
}
