using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using JointOps.Server.Mail;

namespace JointOps.Deadlines.Bench;

/// <summary>Where the server's mail goes: the port, how many mails arrived, and how many Message-Ids arrived twice.</summary>
public interface IMailSink : IAsyncDisposable
{
    int Port { get; }

    long Count { get; }

    /// <summary>Mails whose Message-Id had already arrived; null when the sink does not keep them.</summary>
    long? Duplicates { get; }

    string Name { get; }
}

/// <summary>
/// A minimal SMTP peer on 127.0.0.1 that accepts everything, keeps only Message-Ids, and answers with TCP_NODELAY:
/// it costs the server's sender a fraction of a millisecond per mail, so the drain rate is the server's own.
/// </summary>
public sealed class SmtpSink : IMailSink
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);
    private readonly Task _accepting;
    private long _count;
    private long _duplicates;

    public SmtpSink()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public long Count => Interlocked.Read(ref _count);

    public long? Duplicates => Interlocked.Read(ref _duplicates);

    public string Name => "bench SMTP sink (TCP_NODELAY)";

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }

            client.NoDelay = true;
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 jointops-bench-sink");
            var inData = false;
            string? messageId = null;
            while (await reader.ReadLineAsync(_stopping.Token) is { } line)
            {
                if (inData)
                {
                    if (line == ".")
                    {
                        inData = false;
                        Interlocked.Increment(ref _count);
                        if (messageId is not null && !_ids.TryAdd(messageId, 0))
                        {
                            Interlocked.Increment(ref _duplicates);
                        }

                        messageId = null;
                        await writer.WriteLineAsync("250 2.0.0 queued");
                    }
                    else if (messageId is null && line.StartsWith("Message-Id:", StringComparison.OrdinalIgnoreCase))
                    {
                        messageId = line["Message-Id:".Length..].Trim();
                    }

                    continue;
                }

                var verb = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-jointops-bench-sink");
                        await writer.WriteLineAsync("250 8BITMIME");
                        break;
                    case "DATA":
                        inData = true;
                        await writer.WriteLineAsync("354 end with <CRLF>.<CRLF>");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 bye");
                        return;
                    default:
                        await writer.WriteLineAsync("250 2.0.0 ok");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The sender went away, or the sink is stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }
}

/// <summary>The server assembly's MailCatcher as the sink (<c>--sink catcher</c>): what the tests and Development use.</summary>
public sealed class CatcherSink : IMailSink
{
    private readonly MailCatcher _catcher = new(capacity: 16);

    private CatcherSink()
    {
    }

    public static async Task<CatcherSink> StartAsync()
    {
        var sink = new CatcherSink();
        await sink._catcher.StartAsync(CancellationToken.None);
        return sink;
    }

    public int Port => _catcher.Port;

    public long Count => _catcher.Messages is [var newest, ..] ? newest.Sequence : 0;

    public long? Duplicates => null;

    public string Name => "JointOps.Server.Mail.MailCatcher";

    public ValueTask DisposeAsync() => _catcher.DisposeAsync();
}
