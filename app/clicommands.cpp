#include "clicommands.h"

#include "db/databaselocation.h"
#include "core/errors.h"
#include "core/eventjson.h"
#include "db/migrator.h"
#include "demodata.h"
#include "feed/drainer.h"
#include "core/catalogue.h"
#include "core/text.h"
#include "feed/eventqueue.h"
#include "feed/tenants.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <pqxx/pqxx>

#include <algorithm>
#include <cstdio>

namespace {

void out(const QString &line)
{
    std::fprintf(stdout, "%s\n", line.toUtf8().constData());
}

void outJson(const QJsonObject &o)
{
    std::fprintf(stdout, "%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
}

int fail(const QString &sentence)
{
    std::fprintf(stderr, "activityfeed: %s\n", sentence.toUtf8().constData());
    return 1;
}

int need(const AppOptions &o, int n, const char *usage)
{
    if (o.args.size() < n)
        return fail(QStringLiteral("usage: activityfeed %1").arg(QString::fromUtf8(usage)));
    return 0;
}

int tenantCommand(pqxx::connection &conn, const AppOptions &o)
{
    if (need(o, 1, "tenant add NAME [--json] | tenant list [--json]"))
        return 2;
    const QString sub = o.args.at(0);
    if (sub == QLatin1String("add")) {
        if (need(o, 2, "tenant add NAME [--json]"))
            return 2;
        const af::IssuedToken t = af::Tenants::add(conn, o.args.mid(1).join(QLatin1Char(' ')));
        const QString name = o.args.mid(1).join(QLatin1Char(' ')).trimmed();
        if (o.json)
            outJson({{QStringLiteral("id"), t.tenantId},
                     {QStringLiteral("name"), name},
                     {QStringLiteral("token"), t.token}});
        else
            out(QStringLiteral("tenant %1 \"%2\" created; its token (shown once): %3")
                    .arg(t.tenantId).arg(name, t.token));
        return 0;
    }
    if (sub == QLatin1String("list")) {
        const auto tenants = af::Tenants::list(conn);
        if (o.json) {
            QJsonArray arr;
            for (const auto &t : tenants)
                arr.append(QJsonObject{{QStringLiteral("id"), t.id},
                                       {QStringLiteral("name"), t.name},
                                       {QStringLiteral("created_at"), t.createdAt.toString(Qt::ISODateWithMs)},
                                       {QStringLiteral("activeTokens"), t.activeTokens}});
            std::fprintf(stdout, "%s\n", QJsonDocument(arr).toJson(QJsonDocument::Compact).constData());
        } else {
            for (const auto &t : tenants)
                out(QStringLiteral("%1\t%2\t%3 active token(s)").arg(t.id).arg(t.name).arg(t.activeTokens));
        }
        return 0;
    }
    return fail(QStringLiteral("unknown tenant command '%1' (use add or list)").arg(sub));
}

/// Token metadata only: the token itself was shown once at issue and only its hash is
/// stored, and neither belongs in a listing that may end up in a terminal log.
int tokenList(pqxx::connection &conn, const AppOptions &o)
{
    std::optional<int> tenant;
    if (o.args.size() > 1)
        tenant = af::Tenants::resolve(conn, o.args.mid(1).join(QLatin1Char(' ')));
    const auto tokens = af::Tenants::tokens(conn, tenant);
    if (o.json) {
        QJsonArray arr;
        for (const auto &t : tokens)
            arr.append(QJsonObject{
                {QStringLiteral("id"), t.id},
                {QStringLiteral("tenantId"), t.tenantId},
                {QStringLiteral("tenantName"), t.tenantName},
                {QStringLiteral("label"), t.label},
                {QStringLiteral("created_at"), t.createdAt.toString(Qt::ISODateWithMs)},
                {QStringLiteral("revoked_at"), t.revokedAt.isNull()
                                                   ? QJsonValue(QJsonValue::Null)
                                                   : QJsonValue(t.revokedAt.toString(Qt::ISODateWithMs))}});
        std::fprintf(stdout, "%s\n", QJsonDocument(arr).toJson(QJsonDocument::Compact).constData());
        return 0;
    }
    QList<QStringList> rows{{QStringLiteral("ID"), QStringLiteral("TENANT"), QStringLiteral("LABEL"),
                             QStringLiteral("CREATED"), QStringLiteral("REVOKED")}};
    for (const auto &t : tokens)
        rows.append({QString::number(t.id), QStringLiteral("%1 %2").arg(t.tenantId).arg(t.tenantName),
                     t.label.isEmpty() ? QStringLiteral("-") : t.label,
                     t.createdAt.toString(Qt::ISODate),
                     t.revokedAt.isNull() ? QStringLiteral("-") : t.revokedAt.toString(Qt::ISODate)});
    QList<int> width(rows.first().size(), 0);
    for (const QStringList &r : rows)
        for (int c = 0; c < r.size(); ++c)
            width[c] = std::max(width[c], int(r[c].size()));
    for (const QStringList &r : rows) {
        QString line;
        for (int c = 0; c < r.size(); ++c)
            line += c + 1 < r.size() ? r[c].leftJustified(width[c] + 2) : r[c];
        out(line);
    }
    return 0;
}

int tokenCommand(pqxx::connection &conn, const AppOptions &o)
{
    if (o.args.value(0) == QLatin1String("list"))
        return tokenList(conn, o);
    if (need(o, 2, "token issue TENANT [--json] | token list [TENANT] [--json] | token revoke ID"))
        return 2;
    const QString sub = o.args.at(0);
    if (sub == QLatin1String("issue")) {
        const int tenantId = af::Tenants::resolve(conn, o.args.at(1));
        const af::IssuedToken t = af::Tenants::issueToken(conn, tenantId, QStringLiteral("cli"));
        if (o.json)
            outJson({{QStringLiteral("id"), t.id},
                     {QStringLiteral("tenantId"), t.tenantId},
                     {QStringLiteral("token"), t.token}});
        else
            out(QStringLiteral("token %1 for tenant %2 (shown once): %3").arg(t.id).arg(t.tenantId).arg(t.token));
        return 0;
    }
    if (sub == QLatin1String("revoke")) {
        bool ok = false;
        const int id = o.args.at(1).toInt(&ok);
        if (!ok)
            return fail(QStringLiteral("a token id is a number (see 'activityfeed token list')"));
        if (!af::Tenants::revokeToken(conn, id))
            return fail(QStringLiteral("no active token with id %1").arg(id));
        out(QStringLiteral("token %1 revoked").arg(id));
        return 0;
    }
    return fail(QStringLiteral("unknown token command '%1' (use issue, list or revoke)").arg(sub));
}

int emitCommand(pqxx::connection &conn, const AppOptions &o)
{
    if (need(o, 2, "emit TENANT TYPE [JSON]"))
        return 2;
    const int tenantId = af::Tenants::resolve(conn, o.args.at(0));
    const QString type = o.args.at(1);
    QJsonObject payload;
    if (o.args.size() > 2) {
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(o.args.at(2).toUtf8(), &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject())
            return fail(QStringLiteral("the payload must be a JSON object (%1)").arg(err.errorString()));
        payload = doc.object();
    }
    const QString id = af::EventQueue::enqueue(conn, {af::EventQueue::validate(tenantId, type, payload)})
                           .front();
    if (o.json)
        outJson({{QStringLiteral("ok"), true}, {QStringLiteral("queued"), 1},
                 {QStringLiteral("id"), id}});
    else
        out(QStringLiteral("queued %1 for tenant %2").arg(type).arg(tenantId));
    return 0;
}

int drainCommand(pqxx::connection &conn, const AppOptions &o)
{
    std::optional<int> tenant;
    if (o.tenant > 0)
        tenant = o.tenant;
    const af::DrainResult r = af::Drainer::drainQueue(conn, tenant, QStringLiteral("cli"));
    if (o.json)
        std::fprintf(stdout, "%s\n", af::EventJson::drain(r).constData());
    else
        out(af::Text::drainSummary(r.processed, r.inserted, r.updated, r.removed));
    return 0;
}

} // namespace

int runCliCommand(const AppOptions &o)
{
    // One entry a command: the name that selects it is written here only. `migrate` has
    // none: opening the database migrates it, and the command reports the version.
    using Command = int (*)(pqxx::connection &, const AppOptions &);
    static const QHash<QString, Command> commands{
        {QStringLiteral("tenant"), tenantCommand},   {QStringLiteral("token"), tokenCommand},
        {QStringLiteral("emit"), emitCommand},       {QStringLiteral("drain"), drainCommand},
        {QStringLiteral("demo-data"), runDemoData}, {QStringLiteral("arena"), runArenaCommand}};
    const Command command = commands.value(o.command);
    if (!command && o.command != QLatin1String("migrate"))
        return fail(QStringLiteral("unknown command '%1' (see --help)").arg(o.command));
    try {
        af::DatabaseLocation location(o.databaseUrl, o.dataDir);
        pqxx::connection conn(location.open());
        af::Migrator::migrate(conn);
        if (command)
            return command(conn, o);
        out(QStringLiteral("database is at schema version %1 (%2)")
                .arg(af::Migrator::currentVersion(conn))
                .arg(location.describe()));
        return 0;
    } catch (const af::Error &e) {
        return fail(QString::fromUtf8(e.what()));
    } catch (const pqxx::broken_connection &e) {
        return fail(QStringLiteral("cannot reach the database: %1").arg(QString::fromUtf8(e.what()).trimmed()));
    } catch (const std::exception &e) {
        return fail(QString::fromUtf8(e.what()).trimmed());
    }
}
