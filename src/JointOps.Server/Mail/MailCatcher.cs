using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using SmtpListener = SmtpServer.SmtpServer;

namespace JointOps.Server.Mail;

/// <summary>
/// One mail the catcher received. <see cref="MessageId"/> is without angle brackets, as stored in the outbox;
/// <see cref="To"/> is who it was delivered to (the envelope), not what its header says.
/// </summary>
public sealed record CapturedMail(
    long Sequence,
    DateTimeOffset ReceivedAt,
    string MessageId,
    string From,
    IReadOnlyList<string> To,
    string Subject,
    string TextBody,
    string HtmlBody);

/// <summary>How the catcher misbehaves, to show that senders retry.</summary>
public enum MailCatcherFault
{
    None,

    /// <summary>451 (temporary) to MAIL FROM.</summary>
    RejectSender,

    /// <summary>451 (temporary) once the message data has arrived.</summary>
    RejectMessage,

    /// <summary>554 (permanent) once the message data has arrived.</summary>
    RejectMessagePermanently,

    /// <summary>
    /// The connection is reset once the message data has arrived, before the final reply: the sender cannot know
    /// whether the mail was delivered. The catcher keeps nothing.
    /// </summary>
    Disconnect,

    /// <summary>
    /// No reply once the message data has arrived, until the sender gives up (its timeout) and hangs up, or a minute
    /// passes: a server that hangs. The catcher keeps nothing.
    /// </summary>
    Stall,
}

/// <summary>
/// An SMTP listener on 127.0.0.1 that keeps the last mails in memory (newest first): the server's mail in
/// Development when no Mail:Host is set (see <c>/dev/mail</c>), and a real SMTP peer for tests.
/// The port is bound when the catcher is constructed (0 picks a free one, see <see cref="Port"/>); sessions are
/// served between <see cref="StartAsync"/> and <see cref="StopAsync"/>.
/// </summary>
public sealed partial class MailCatcher : IHostedService, IAsyncDisposable, IDisposable
{
    public const int DefaultCapacity = 500;

    private readonly Lock _gate = new();
    private readonly List<CapturedMail> _mails = [];
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ILogger<MailCatcher> _logger;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, bool> _refused = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;
    private MailCatcherFault _fault;
    private int? _faultsLeft;
    private int _faultsInjected;
    private int _disposed;
    private Task? _running;

    public MailCatcher(int port = 0, int capacity = DefaultCapacity, TimeProvider? time = null, ILogger<MailCatcher>? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<MailCatcher>.Instance;
        _tcp = new TcpListener(IPAddress.Loopback, port);
        _tcp.Start();
        Port = ((IPEndPoint)_tcp.LocalEndpoint).Port;
    }

    /// <summary>The bound port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The captured mails, newest first.</summary>
    public IReadOnlyList<CapturedMail> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _mails];
            }
        }
    }

    /// <summary>The fault applied to every delivery from now on; setting it clears a count given to <see cref="FailNext"/>.</summary>
    public MailCatcherFault Fault
    {
        get
        {
            lock (_gate)
            {
                return _fault;
            }
        }
        set
        {
            lock (_gate)
            {
                _fault = value;
                _faultsLeft = null;
            }
        }
    }

    /// <summary>Refuses mail to this address from now on (550 to its RCPT TO), while taking it for others.</summary>
    public void RefuseRecipient(string address) => _refused[address] = true;

    /// <summary>Takes mail to this address again.</summary>
    public void AcceptRecipient(string address) => _refused.TryRemove(address, out _);

    /// <summary>How many deliveries a fault has spoiled so far.</summary>
    public int FaultsInjected => Volatile.Read(ref _faultsInjected);

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="times"/> deliveries, then behaves again.</summary>
    public void FailNext(MailCatcherFault fault, int times)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_gate)
        {
            _fault = fault;
            _faultsLeft = times;
        }
    }

    /// <summary>Forgets every captured mail.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _mails.Clear();
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> captured mails match, and returns all that match, oldest first.
    /// Throws <see cref="TimeoutException"/> (saying what did arrive) when they do not within <paramref name="timeout"/>.
    /// </summary>
    public async Task<IReadOnlyList<CapturedMail>> WaitForAsync(
        Func<CapturedMail, bool> match, int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            Task changed;
            List<CapturedMail> found;
            int total;
            lock (_gate)
            {
                found = _mails.Where(match).Reverse().ToList();
                total = _mails.Count;
                changed = _changed.Task;
            }

            if (found.Count >= count)
            {
                return found;
            }

            var left = timeout - Stopwatch.GetElapsedTime(started);
            try
            {
                await changed.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException(
                    $"Waited {timeout} for {count} matching mail(s): {found.Count} of the {total} caught matched.");
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                throw new InvalidOperationException("A stopped mail catcher does not start again: create a new one.");
            }

            if (_running is not null)
            {
                return Task.CompletedTask;
            }

            var options = new SmtpServerOptionsBuilder()
                .ServerName("jointops-mail-catcher")
                .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
                .CommandWaitTimeout(TimeSpan.FromMinutes(1))
                .Build();
            var peer = new Peer(this);
            var services = new SmtpServer.ComponentModel.ServiceProvider();
            services.Add((IEndpointListenerFactory)peer);
            services.Add((IMessageStore)peer);
            services.Add((IMailboxFilter)peer);
            var server = new SmtpListener(options, services);
            server.SessionFaulted += (_, e) => LogSessionFaulted(e.Exception);
            _running = server.StartAsync(_stopping.Token);
        }

        LogListening(Port);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? running;
        lock (_gate)
        {
            running = _running;
        }

        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }

        if (running is not null)
        {
            try
            {
                await running.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The listener ends by cancellation: that is the expected way out.
            }
        }

        // Closed only now, so the accept loop ends by cancellation rather than by a closed socket; afterwards connections are refused.
        _tcp.Stop();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync(CancellationToken.None);
            _tcp.Dispose();
            _stopping.Dispose();
        }
    }

    /// <summary>For containers disposed synchronously: stops listening without waiting for sessions to end.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
            _tcp.Dispose();
            _stopping.Dispose();
        }
    }

    private MailCatcherFault TakeFault(Func<MailCatcherFault, bool> appliesHere)
    {
        MailCatcherFault fault;
        lock (_gate)
        {
            fault = _fault;
            if (fault == MailCatcherFault.None || !appliesHere(fault))
            {
                return MailCatcherFault.None;
            }

            if (_faultsLeft is { } left)
            {
                _faultsLeft = left - 1;
                if (left <= 1)
                {
                    _fault = MailCatcherFault.None;
                    _faultsLeft = null;
                }
            }
        }

        Interlocked.Increment(ref _faultsInjected);
        LogFaultInjected(fault);
        return fault;
    }

    private async Task<SmtpServer.Protocol.SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        switch (TakeFault(f => f is MailCatcherFault.RejectMessage or MailCatcherFault.RejectMessagePermanently or MailCatcherFault.Disconnect or MailCatcherFault.Stall))
        {
            case MailCatcherFault.Stall:
                await StallAsync(context, cancellationToken);
                return SmtpServer.Protocol.SmtpResponse.TransactionFailed;
            case MailCatcherFault.RejectMessage:
                return new SmtpServer.Protocol.SmtpResponse(SmtpReplyCode.Aborted, "4.3.0 Refused for now by the mail catcher's fault mode");
            case MailCatcherFault.RejectMessagePermanently:
                return new SmtpServer.Protocol.SmtpResponse(SmtpReplyCode.TransactionFailed, "5.3.0 Refused by the mail catcher's fault mode");
            case MailCatcherFault.Disconnect:
                (context.Pipe as Connection)?.Reset();
                return SmtpServer.Protocol.SmtpResponse.TransactionFailed;
        }

        using var stream = new MemoryStream(buffer.ToArray(), writable: false);
        using var message = await MimeMessage.LoadAsync(stream, cancellationToken);
        CapturedMail mail;
        TaskCompletionSource changed;
        lock (_gate)
        {
            mail = new CapturedMail(
                ++_sequence,
                _time.GetUtcNow(),
                message.MessageId ?? "",
                message.From.Mailboxes.FirstOrDefault()?.Address ?? "",
                [.. transaction.To.Select(m => m.AsAddress())],
                message.Subject ?? "",
                message.TextBody ?? "",
                message.HtmlBody ?? "");
            _mails.Insert(0, mail);
            if (_mails.Count > _capacity)
            {
                _mails.RemoveAt(_mails.Count - 1);
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        LogCaught(mail.MessageId, mail.To, mail.Subject);
        return SmtpServer.Protocol.SmtpResponse.Ok;
    }

    /// <summary>Holds the reply back until the sender hangs up, the catcher stops, or a minute passes; then drops the connection.</summary>
    private async Task StallAsync(ISessionContext context, CancellationToken cancellationToken)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        stall.CancelAfter(TimeSpan.FromMinutes(1));
        var connection = context.Pipe as Connection;
        try
        {
            while (connection?.IsConnected != false)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, stall.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // A minute, or the catcher stopping: end the session all the same.
        }

        connection?.Reset();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail catcher listening on 127.0.0.1:{Port}")]
    private partial void LogListening(int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail catcher caught {MessageId} to {To}: {Subject}")]
    private partial void LogCaught(string messageId, IReadOnlyList<string> to, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail catcher fault {Fault} injected")]
    private partial void LogFaultInjected(MailCatcherFault fault);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Mail catcher session ended with an error")]
    private partial void LogSessionFaulted(Exception exception);

    /// <summary>SmtpServer's view of the catcher: the already bound listener, the store and the sender filter.</summary>
    private sealed class Peer(MailCatcher catcher) : IEndpointListenerFactory, IEndpointListener, IMessageStore, IMailboxFilter
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) => this;

        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var client = await catcher._tcp.AcceptTcpClientAsync(cancellationToken);
            client.NoDelay = true; // otherwise every reply waits on Nagle and delayed ACK: 45 ms a mail
            context.Properties[EndpointListener.LocalEndPointKey] = client.Client.LocalEndPoint!;
            context.Properties[EndpointListener.RemoteEndPointKey] = client.Client.RemoteEndPoint!;
            return new Connection(client);
        }

        public Task<SmtpServer.Protocol.SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken) =>
            catcher.SaveAsync(context, transaction, buffer, cancellationToken);

        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
            catcher.TakeFault(f => f == MailCatcherFault.RejectSender) == MailCatcherFault.None
                ? Task.FromResult(true)
                : throw new SmtpResponseException(new SmtpServer.Protocol.SmtpResponse(
                    SmtpReplyCode.Aborted, "4.3.0 Sender refused for now by the mail catcher's fault mode"));

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            Task.FromResult(!catcher._refused.ContainsKey(to.AsAddress()));

        // The catcher owns the bound port and closes it when it stops.
        public void Dispose()
        {
        }
    }

    /// <summary>One plain-text SMTP connection (no STARTTLS: the catcher offers no certificate).</summary>
    private sealed class Connection : ISecurableDuplexPipe
    {
        private readonly TcpClient _client;

        public Connection(TcpClient client)
        {
            _client = client;
            var stream = client.GetStream();
            Input = PipeReader.Create(stream);
            Output = PipeWriter.Create(stream);
        }

        public PipeReader Input { get; }

        public PipeWriter Output { get; }

        public bool IsSecure => false;

        public SslProtocols SslProtocol => SslProtocols.None;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The mail catcher speaks plain SMTP only.");

        /// <summary>Whether the peer is still there: a closed connection reads as readable with nothing to read.</summary>
        public bool IsConnected
        {
            get
            {
                try
                {
                    var socket = _client.Client;
                    return socket.Connected && !(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0);
                }
                catch (ObjectDisposedException)
                {
                    return false;
                }
                catch (SocketException)
                {
                    return false;
                }
            }
        }

        /// <summary>Drops the connection with a TCP reset, as a crashing server would.</summary>
        public void Reset() => _client.Client.Close(0);

        public void Dispose() => _client.Dispose();
    }
}
