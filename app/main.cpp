// activityfeed: parses the command line and hands over to the desktop app, the
// headless server or a one-shot admin command.
#include "appoptions.h"
#include "clicommands.h"
#include "servecommand.h"
#include "tokenstore.h"

#include "db/databaselocation.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>
#include <cstring>
#include <memory>

#include "desktoplaunch.h"

namespace {

const char *kHelp = R"(Usage: activityfeed [COMMAND] [OPTIONS]

Commands:
  (none)                         the desktop app (embeds the backend and its HTTP/SSE server)
  serve                          the backend and HTTP/SSE server without a window
  migrate                        apply pending database migrations
  drain [--tenant N]             turn queued rows into feed events
  tenant add NAME [--json]       create a tenant and print its first token
  tenant list [--json]           list tenants
  token issue TENANT [--json]    issue another token for a tenant (id or name)
  token list [TENANT] [--json]   list tokens (id, tenant, label, created, revoked; never the token)
  token revoke ID                revoke a token at once
  emit TENANT TYPE [JSON]        queue one event (types: badge_earned, xp_rank_up,
                                 challenge_completed, streak_milestone, tasks_burst,
                                 all_tasks_cleared)
  arena add TITLE BADGE XP       add a shared arena challenge
  demo-data [--events N]         fill the database with realistic demo activity

Options:
  --database-url URL   PostgreSQL to use (else $ACTIVITYFEED_DATABASE_URL, else $DATABASE_URL,
                       else a private local cluster in the data directory)
  --data-dir DIR       where the local cluster and settings live
  --listen HOST:PORT   HTTP/SSE address (default 127.0.0.1:8787; 0.0.0.0:8787 opens it to the LAN)
  --remote URL         desktop: be a client of another instance
  --token-file PATH    desktop remote mode: read the tenant token from PATH (else
                       $ACTIVITYFEED_TOKEN, else the one kept in the system keychain)
  --token TOKEN        the same on the command line (visible to other users in ps:
                       prefer --token-file)
  --reaction-limit N   reactions per tenant per hour (default 10, $ACTIVITYFEED_REACTION_LIMIT)
  --stream-limit-per-tenant N
                       open SSE streams one tenant may hold (default 50; the next gets 429)
  --tenant N           drain: only this tenant
  --events N           demo-data: how many queue rows (default 10000)
  --json               machine-readable output
  -h, --help           this text
  -v, --version        the version

Environment: MC_API_SECRET (else DEPLOY_WEBHOOK_SECRET) is the x-drain-secret for
POST /api/activity/drain and /api/activity/emit, and the Bearer credential for
GET /metrics from another machine.
)";

int usageError(const QString &sentence)
{
    std::fprintf(stderr, "activityfeed: %s\nTry 'activityfeed --help'.\n", sentence.toUtf8().constData());
    return 2;
}

bool parseListen(const QString &text, AppOptions &o)
{
    const int colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    bool ok = false;
    const int port = text.mid(colon + 1).toInt(&ok);
    if (!ok || port < 0 || port > 65535)
        return false;
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    o.listenHost = host;
    o.listenPort = quint16(port);
    return true;
}

// Returns -1 to go on, else an exit code.
int parse(const QStringList &arguments, AppOptions &o)
{
    QCommandLineParser p;
    p.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QString());
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")}, QString());
    const QCommandLineOption db(QStringLiteral("database-url"), QString(), QStringLiteral("URL"));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"), QString(), QStringLiteral("DIR"));
    const QCommandLineOption listen(QStringLiteral("listen"), QString(), QStringLiteral("HOST:PORT"));
    const QCommandLineOption remote(QStringLiteral("remote"), QString(), QStringLiteral("URL"));
    const QCommandLineOption token(QStringLiteral("token"), QString(), QStringLiteral("TOKEN"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"), QString(), QStringLiteral("PATH"));
    const QCommandLineOption limit(QStringLiteral("reaction-limit"), QString(), QStringLiteral("N"));
    const QCommandLineOption tenant(QStringLiteral("tenant"), QString(), QStringLiteral("N"));
    const QCommandLineOption events(QStringLiteral("events"), QString(), QStringLiteral("N"));
    const QCommandLineOption streamLimit(QStringLiteral("stream-limit-per-tenant"), QString(),
                                         QStringLiteral("N"));
    const QCommandLineOption json(QStringLiteral("json"), QString());
    p.addOptions({help, version, db, dataDir, listen, remote, token, tokenFile, limit, tenant, events,
                  json, streamLimit});
    if (!p.parse(arguments))
        return usageError(p.errorText());
    if (p.isSet(help)) {
        std::fputs(kHelp, stdout);
        return 0;
    }
    if (p.isSet(version)) {
        std::fprintf(stdout, "activityfeed %s\n", AF_VERSION);
        return 0;
    }
    const QStringList pos = p.positionalArguments();
    if (!pos.isEmpty()) {
        o.command = pos.first();
        o.args = pos.mid(1);
    }
    o.databaseUrl = p.isSet(db) ? p.value(db) : af::DatabaseLocation::urlFromEnvironment();
    o.dataDir = p.value(dataDir);
    if (p.isSet(listen) && !parseListen(p.value(listen), o))
        return usageError(QStringLiteral("--listen wants HOST:PORT, e.g. 127.0.0.1:8787"));
    o.remoteUrl = p.value(remote);
    if (p.isSet(token)) {
        o.token = p.value(token);
    } else {
        QString error;
        o.token = TokenStore::fromFileOrEnvironment(p.value(tokenFile), &error);
        if (!error.isEmpty())
            return usageError(error);
    }
    o.json = p.isSet(json);
    const QString limitText = p.isSet(limit) ? p.value(limit) : qEnvironmentVariable("ACTIVITYFEED_REACTION_LIMIT");
    if (!limitText.isEmpty()) {
        bool ok = false;
        o.reactionLimit = limitText.toInt(&ok);
        if (!ok || o.reactionLimit < 0)
            return usageError(QStringLiteral("the reaction limit must be a whole number ≥ 0"));
    }
    auto positive = [&p](const QCommandLineOption &opt, int &target, const char *name) {
        if (!p.isSet(opt))
            return true;
        bool ok = false;
        target = p.value(opt).toInt(&ok);
        if (!ok || target < 0) {
            usageError(QStringLiteral("%1 must be a whole number ≥ 0").arg(QLatin1String(name)));
            return false;
        }
        return true;
    };
    if (!positive(tenant, o.tenant, "--tenant") || !positive(events, o.events, "--events")
        || !positive(streamLimit, o.streamLimitPerTenant, "--stream-limit-per-tenant"))
        return 2;
    return -1;
}

} // namespace

/// `--token T` is on the command line, which every local user can read in /proc: once
/// parsed, its bytes in our argv (what /proc/PID/cmdline shows) are blanked.
void scrubToken(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        char *value = nullptr;
        if (std::strcmp(argv[i], "--token") == 0 && i + 1 < argc)
            value = argv[i + 1];
        else if (std::strncmp(argv[i], "--token=", 8) == 0)
            value = argv[i] + 8;
        if (value)
            std::memset(value, 'x', std::strlen(value));
    }
}

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    AppOptions o;
    {
        QCoreApplication probe(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("activityfeed"));
        QCoreApplication::setOrganizationName(QStringLiteral("ActivityFeed"));
        const int rc = parse(arguments, o);
        scrubToken(argc, argv);
        if (rc >= 0)
            return rc;
        if (!o.command.isEmpty() && o.command != QLatin1String("serve"))
            return runCliCommand(o);
    }
    if (o.command == QLatin1String("serve"))
        return runServe(argc, argv, o);
#ifdef AF_HAVE_GUI
    const bool noDisplay = qEnvironmentVariableIsEmpty("DISPLAY") &&
                           qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
                           qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
    if (!noDisplay)
        return launchDesktop(argc, argv, o);
#endif
    std::fprintf(stderr, "activityfeed: no display found; starting the headless server "
                         "('activityfeed serve') instead\n");
    return runServe(argc, argv, o);
}
