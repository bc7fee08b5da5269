using System.Text.Json;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace JointOps.Server.Persistence;

/// <summary>
/// The one model. Each provider has a derived context (<see cref="PostgresDbContext"/>, <see cref="SqliteDbContext"/>)
/// only so that EF keeps a migrations set per provider.
/// </summary>
public abstract class JointOpsDbContext(DbContextOptions options) : IdentityDbContext<User, IdentityRole, string>(options), IDataProtectionKeyContext
{
    public DbSet<Request> Requests => Set<Request>();
    public DbSet<Assignment> Assignments => Set<Assignment>();
    public DbSet<Grant> Grants => Set<Grant>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<StepTimer> Timers => Set<StepTimer>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<DigestItem> DigestItems => Set<DigestItem>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<AuditHead> AuditHeads => Set<AuditHead>();

    /// <summary>The keys that protect tokens and cookies, shared by every server on the database.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<WorkflowDefinitionRecord> WorkflowDefinitions => Set<WorkflowDefinitionRecord>();
    public DbSet<ReferenceCounter> ReferenceCounters => Set<ReferenceCounter>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<User>(user =>
        {
            user.Property(u => u.Country).HasMaxLength(2);
            user.Property(u => u.Unit).HasMaxLength(64);
            user.Property(u => u.DisplayName).HasMaxLength(128);
            user.Property(u => u.EmailPreference).HasMaxLength(16);
            user.Property(u => u.Language).HasMaxLength(8);
            user.HasIndex(u => new { u.Country, u.Unit });
        });

        builder.Entity<Request>(request =>
        {
            request.HasKey(r => r.Id);
            request.HasIndex(r => r.Reference).IsUnique();
            request.Property(r => r.Reference).HasMaxLength(32);
            request.Property(r => r.Type).HasMaxLength(40);
            request.Property(r => r.Priority).HasMaxLength(16);
            request.Property(r => r.UrgencyReason).HasMaxLength(2000);
            request.Property(r => r.Title).HasMaxLength(200);
            request.Property(r => r.Facts).HasMaxLength(20000);
            request.Property(r => r.Purpose).HasMaxLength(5000);
            request.Property(r => r.LegalBasis).HasMaxLength(2000);
            request.Property(r => r.Confidentiality).HasMaxLength(8);
            request.Property(r => r.Language).HasMaxLength(8);
            request.Property(r => r.RelatedReferences).HasMaxLength(500);
            request.Property(r => r.RequestingCountry).HasMaxLength(2);
            request.Property(r => r.ReceivingCountry).HasMaxLength(2);
            request.Property(r => r.Unit).HasMaxLength(64);
            request.Property(r => r.OwnerId).HasMaxLength(64);
            request.Property(r => r.OwnerName).HasMaxLength(128);
            request.Property(r => r.Status).HasMaxLength(16);
            request.Property(r => r.Workflow).HasMaxLength(64);
            request.Property(r => r.Step).HasMaxLength(64);
            request.Property(r => r.Version).IsConcurrencyToken();
            request.Property(r => r.AuditHash).HasMaxLength(64);
            request.Property(r => r.Offences).HasConversion(Json<List<Offence>>(), ListComparer<Offence>());
            request.Property(r => r.Subjects).HasConversion(Json<List<Subject>>(), ListComparer<Subject>());
            request.Property(r => r.Measures).HasConversion(Json<List<string>>(), ListComparer<string>());
            request.Property(r => r.Votes).HasConversion(Json<List<string>>(), ListComparer<string>());
            request.HasIndex(r => new { r.OwnerId, r.UpdatedAt, r.Id });

            // Search pages, newest first: read backwards for whoever sees requests country-wide (by status when the
            // search names one), by unit for the rest.
            request.HasIndex(r => new { r.UpdatedAt, r.Id });
            request.HasIndex(r => new { r.Status, r.UpdatedAt, r.Id });
            request.HasIndex(r => new { r.Unit, r.UpdatedAt, r.Id });
            request.HasIndex(r => new { r.Unit, r.Status, r.UpdatedAt, r.Id });
        });

        builder.Entity<Assignment>(assignment =>
        {
            assignment.Property(a => a.Country).HasMaxLength(2);
            assignment.Property(a => a.Role).HasMaxLength(32);
            assignment.Property(a => a.Unit).HasMaxLength(64);
            assignment.Property(a => a.UserId).HasMaxLength(64);
            assignment.Property(a => a.Branch).HasMaxLength(64);
            assignment.Property(a => a.Step).HasMaxLength(64);
            // An inbox reads a role's country-wide assignments and its unit's, each in deadline order. Country-wide ones
            // have their own index: "Unit" IS NULL is no equality to PostgreSQL, so the order after it would not count.
            assignment.HasIndex(a => new { a.Country, a.Role, a.Unit, a.DueAt, a.Id }).HasFilter("\"Unit\" IS NOT NULL")
                .HasDatabaseName("IX_Assignments_Unit_DueAt");
            assignment.HasIndex(a => new { a.Country, a.Role, a.DueAt, a.Id }).HasFilter("\"Unit\" IS NULL")
                .HasDatabaseName("IX_Assignments_CountryWide_DueAt");
            assignment.HasIndex(a => a.RequestId);
            assignment.HasOne<Request>().WithMany().HasForeignKey(a => a.RequestId);
        });

        builder.Entity<Grant>(grant =>
        {
            grant.Property(g => g.Country).HasMaxLength(2);
            grant.Property(g => g.Role).HasMaxLength(32);
            grant.Property(g => g.Unit).HasMaxLength(64);
            grant.HasIndex(g => new { g.RequestId, g.Country, g.Role, g.Unit }).IsUnique();
            grant.HasIndex(g => new { g.Country, g.Role, g.Unit });
            grant.HasOne<Request>().WithMany().HasForeignKey(g => g.RequestId);
        });

        builder.Entity<Comment>(comment =>
        {
            comment.Property(c => c.AuthorId).HasMaxLength(64);
            comment.Property(c => c.AuthorName).HasMaxLength(128);
            comment.Property(c => c.Country).HasMaxLength(2);
            comment.Property(c => c.Step).HasMaxLength(64);
            comment.Property(c => c.Text).HasMaxLength(4000);
            comment.HasIndex(c => new { c.RequestId, c.At });
            comment.HasOne<Request>().WithMany().HasForeignKey(c => c.RequestId);
        });

        builder.Entity<StepTimer>(timer =>
        {
            timer.Property(t => t.Step).HasMaxLength(64);
            timer.Property(t => t.Kind).HasMaxLength(16);
            timer.Property(t => t.State).HasMaxLength(16);
            // Only pending timers are ever looked up (due ones by the sweep, a request's by the decision that ends them),
            // so both indexes hold those alone and years of fired timers cost them nothing.
            timer.HasIndex(t => t.DueAt).HasFilter("\"State\" = 'pending'").HasDatabaseName("IX_Timers_Pending_DueAt");
            timer.HasIndex(t => t.RequestId).HasFilter("\"State\" = 'pending'").HasDatabaseName("IX_Timers_Pending_RequestId");
            timer.HasOne<Request>().WithMany().HasForeignKey(t => t.RequestId);
        });

        builder.Entity<OutboxMessage>(message =>
        {
            message.Property(m => m.MessageId).HasMaxLength(200);
            message.Property(m => m.Kind).HasMaxLength(32);
            message.Property(m => m.Recipients).HasConversion(Json<List<MailRecipient>>(), ListComparer<MailRecipient>());
            message.Property(m => m.Subject).HasMaxLength(500);
            message.Property(m => m.State).HasMaxLength(16);
            message.Property(m => m.LastError).HasMaxLength(2000);
            message.HasIndex(m => m.MessageId).IsUnique();
            message.HasIndex(m => m.NextAttemptAt).HasFilter("\"State\" = 'pending'").HasDatabaseName("IX_Outbox_Pending_NextAttemptAt");
            message.HasIndex(m => m.RequestId);
        });

        builder.Entity<DigestItem>(item =>
        {
            item.Property(i => i.UserId).HasMaxLength(64);
            item.Property(i => i.Kind).HasMaxLength(32);
            item.Property(i => i.Reference).HasMaxLength(32);
            item.Property(i => i.Step).HasMaxLength(64);
            item.HasIndex(i => new { i.UserId, i.DigestedAt });
        });

        builder.Entity<AuditEntry>(entry =>
        {
            entry.Property(e => e.Stream).HasMaxLength(80);
            entry.Property(e => e.ActorId).HasMaxLength(64);
            entry.Property(e => e.ActorName).HasMaxLength(128);
            entry.Property(e => e.Roles).HasMaxLength(200);
            entry.Property(e => e.Country).HasMaxLength(2);
            entry.Property(e => e.Action).HasMaxLength(32);
            entry.Property(e => e.FromStep).HasMaxLength(64);
            entry.Property(e => e.ToStep).HasMaxLength(64);
            entry.Property(e => e.Decision).HasMaxLength(64);
            entry.Property(e => e.Comment).HasMaxLength(4000);
            entry.Property(e => e.PreviousHash).HasMaxLength(64);
            entry.Property(e => e.Hash).HasMaxLength(64);
            // Chains are read by stream; no index on RequestId, which every decision would pay for.
            entry.HasIndex(e => new { e.Stream, e.Sequence }).IsUnique();
        });

        builder.Entity<AuditHead>(head =>
        {
            head.HasKey(h => h.Stream);
            head.Property(h => h.Stream).HasMaxLength(80);
            head.Property(h => h.Hash).HasMaxLength(64);
        });

        builder.Entity<WorkflowDefinitionRecord>(definition =>
        {
            definition.HasKey(d => new { d.Name, d.Version });
            definition.Property(d => d.Name).HasMaxLength(64);
            definition.Property(d => d.Title).HasMaxLength(200);
            definition.Property(d => d.Status).HasMaxLength(16);
        });

        builder.Entity<ReferenceCounter>(counter =>
        {
            counter.HasKey(c => new { c.Country, c.Year });
            counter.Property(c => c.Country).HasMaxLength(2);
        });
    }

    private static ValueConverter<T, string> Json<T>() where T : new() => new(
        v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web),
        v => JsonSerializer.Deserialize<T>(v, JsonSerializerOptions.Web) ?? new T());

    internal static ValueComparer<List<T>> ListComparer<T>() => new(
        (a, b) => a!.SequenceEqual(b!),
        v => v.Aggregate(0, (h, x) => HashCode.Combine(h, x)),
        v => v.ToList());
}

public sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : JointOpsDbContext(options);

public sealed class SqliteDbContext(DbContextOptions<SqliteDbContext> options) : JointOpsDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset; all our times are UTC, so ticks order correctly.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
