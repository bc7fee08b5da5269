using Microsoft.Extensions.Options;

namespace JointOps.Server.Mail;

public static class MailServiceCollectionExtensions
{
    /// <summary>
    /// Mail settings (section "Mail") and the SMTP sender. In Development with no Mail:Host, the embedded
    /// <see cref="MailCatcher"/> runs on 127.0.0.1:Mail:CatcherPort (0: any free port) and the sender is pointed at it.
    /// </summary>
    public static IServiceCollection AddMail(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var section = configuration.GetSection("Mail");
        services.AddOptions<MailOptions>().Bind(section);
        services.AddSingleton<IMailSender, SmtpMailSender>();

        if (environment.IsDevelopment() && string.IsNullOrWhiteSpace(section[nameof(MailOptions.Host)]))
        {
            services.AddSingleton(sp => new MailCatcher(
                section.GetValue(nameof(MailOptions.CatcherPort), new MailOptions().CatcherPort),
                MailCatcher.DefaultCapacity,
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetRequiredService<ILogger<MailCatcher>>()));
            services.AddHostedService(sp => sp.GetRequiredService<MailCatcher>());
            services.AddOptions<MailOptions>().PostConfigure<MailCatcher>((options, catcher) =>
            {
                options.Host = "127.0.0.1";
                options.Port = catcher.Port;
                options.Security = "None";
                options.UserName = null;
                options.Password = null;
            });
        }

        return services;
    }
}
