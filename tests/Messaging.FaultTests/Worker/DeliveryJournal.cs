using System.Text;
using System.Threading.Channels;

namespace Messaging.FaultTests.Worker;

/// <summary>
/// The worker's append-only record of what its consumers received, one file per process. A line is written and
/// fsync'd before <see cref="Append" /> completes, so before the consumer returns and MassTransit acknowledges the message:
/// whatever RabbitMQ considers delivered is on disk, and a SIGKILL loses no line. Lines waiting together are written
/// with one write and one fsync (group commit), so the journal does not cap the drain rate.
/// </summary>
internal sealed class DeliveryJournal : IAsyncDisposable
{
    readonly FileStream _file;
    readonly Channel<(byte[] Line, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(byte[], TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    readonly Task _writer;

    public DeliveryJournal(string path)
    {
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _writer = Task.Run(WriteLoop);
    }

    public Task Append(string line)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((Encoding.UTF8.GetBytes(line), done)))
            done.SetException(new ObjectDisposedException(nameof(DeliveryJournal)));
        return done.Task;
    }

    async Task WriteLoop()
    {
        var batch = new List<(byte[] Line, TaskCompletionSource Done)>();
        using var buffer = new MemoryStream();
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            buffer.SetLength(0);
            while (batch.Count < 4096 && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
                buffer.Write(item.Line);
            }

            try
            {
                _file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
                _file.Flush(flushToDisk: true);
                foreach (var item in batch)
                    item.Done.TrySetResult();
            }
            catch (IOException ex)
            {
                foreach (var item in batch)
                    item.Done.TrySetException(ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        await _file.DisposeAsync();
    }
}
