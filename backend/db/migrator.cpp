#include "migrator.h"

#include "core/logcategories.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include <algorithm>

namespace af {

namespace {
// One key for every activityfeed process sharing a database.
constexpr long long kMigrationLockKey = 0x4166'4d69'6772'6174LL; // "AfMigrat"
}

std::vector<Migration> Migrator::bundled()
{
    std::vector<Migration> out;
    static const QRegularExpression re(QStringLiteral("^(\\d{4})_(.+)\\.sql$"));
    const QDir dir(QStringLiteral(":/sql"));
    for (const QString &file : dir.entryList({QStringLiteral("*.sql")}, QDir::Files, QDir::Name)) {
        const auto m = re.match(file);
        if (!m.hasMatch())
            continue;
        QFile f(dir.filePath(file));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        out.push_back({m.captured(1).toInt(), m.captured(2), QString::fromUtf8(f.readAll())});
    }
    std::sort(out.begin(), out.end(),
              [](const Migration &a, const Migration &b) { return a.version < b.version; });
    return out;
}

int Migrator::currentVersion(pqxx::connection &conn)
{
    pqxx::nontransaction tx(conn);
    const auto exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!exists[0].as<bool>())
        return 0;
    return tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
}

int Migrator::migrate(pqxx::connection &conn, int targetVersion)
{
    {
        pqxx::nontransaction tx(conn);
        tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
    }
    int applied = 0;
    try {
        {
            pqxx::work tx(conn);
            tx.exec0("CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " version int PRIMARY KEY,"
                     " name text NOT NULL,"
                     " applied_at timestamptz NOT NULL DEFAULT now())");
            tx.commit();
        }
        const int current = currentVersion(conn);
        for (const Migration &m : bundled()) {
            if (m.version <= current || m.version > targetVersion)
                continue;
            pqxx::work tx(conn);
            tx.exec0(m.sql.toStdString());
            tx.exec_params0("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                            m.version, m.name.toStdString());
            tx.commit();
            ++applied;
            qCInfo(lcDb, "applied migration %04d_%s", m.version, qPrintable(m.name));
        }
    } catch (...) {
        try {
            pqxx::nontransaction tx(conn);
            tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
        } catch (...) {
        }
        throw;
    }
    pqxx::nontransaction tx(conn);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    return applied;
}

} // namespace af
