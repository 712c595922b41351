#include "eventqueue.h"

#include "core/catalogue.h"
#include "core/cursor.h"
#include "core/errors.h"
#include "core/uuid7.h"
#include "db/sqlarray.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <pqxx/pqxx>

namespace af {

namespace {

bool containsNul(const QJsonValue &v)
{
    if (v.isString())
        return v.toString().contains(QChar(0));
    if (v.isArray()) {
        for (const auto &x : v.toArray()) {
            if (containsNul(x))
                return true;
        }
    } else if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it.key().contains(QChar(0)) || containsNul(it.value()))
                return true;
        }
    }
    return false;
}

// One element of a PostgreSQL array literal, quoted so that any text survives.
std::string uuidText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces).toStdString();
}

} // namespace

QueuedEvent EventQueue::validate(int tenantId, const QString &type, const QJsonObject &payload,
                                 const QString &where)
{
    const QString prefix = where.isEmpty() ? QString() : where + QLatin1Char('.');
    auto fail = [&prefix](const QString &what) { throw BadInput((prefix + what).toStdString()); };
    if (tenantId <= 0)
        fail(QStringLiteral("tenantId must be a positive integer"));
    if (!Catalogue::isKnownType(type))
        fail(QStringLiteral("eventType '%1' is not known; it must be one of %2")
                 .arg(type.left(64), Catalogue::eventTypeNames().join(QStringLiteral(", "))));
    if (containsNul(payload))
        fail(QStringLiteral("payload must not contain NUL characters"));
    QueuedEvent e{tenantId, type, QJsonDocument(payload).toJson(QJsonDocument::Compact)};
    const int max = Catalogue::limits().payloadMaxBytes;
    if (e.payloadJson.size() > max)
        fail(QStringLiteral("payload must be at most %1 KiB").arg(max / 1024));
    return e;
}

std::vector<QString> EventQueue::enqueue(pqxx::connection_base &conn,
                                         const std::vector<QueuedEvent> &events)
{
    std::vector<int> tenantIds;
    std::vector<std::string> typeTexts, payloadTexts;
    for (const QueuedEvent &e : events) {
        tenantIds.push_back(e.tenantId);
        typeTexts.push_back(e.eventType.toStdString());
        payloadTexts.push_back(e.payloadJson.toStdString());
    }
    const std::string tenants = sqlIntArray(tenantIds), types = sqlTextArray(typeTexts),
                      payloads = sqlTextArray(payloadTexts);
    pqxx::work tx(conn);
    const pqxx::result unknown = tx.exec_params(
        "SELECT x FROM unnest($1::int[]) x "
        "WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = x) LIMIT 1",
        tenants);
    if (!unknown.empty())
        throw BadInput("tenantId " + std::string(unknown[0][0].c_str()) + " is not a known tenant");
    // clock_timestamp(): rows of one call keep their order in the drain's (created_at, id),
    // and so do their ids (core/uuid7.h), ascending in the same order.
    std::vector<QString> ids = Uuid7::sortedText(events.size(), QDateTime::currentMSecsSinceEpoch());
    tx.exec_params("INSERT INTO activity_queue (id, tenant_id, event_type, payload_json, created_at) "
                   "SELECT i, t, e, p, clock_timestamp() "
                   "  FROM unnest($1::int[], $2::text[], $3::jsonb[], $4::uuid[]) WITH ORDINALITY AS u(t, e, p, i, n) "
                   " ORDER BY n",
                   tenants, types, payloads, sqlUuidArray(ids));
    tx.commit();
    return ids;
}

void EventQueue::enqueueBatch(pqxx::connection_base &conn, const std::vector<StampedEvent> &rows)
{
    pqxx::work tx(conn);
    pqxx::stream_to copy(tx, "activity_queue",
                         std::vector<std::string>{"id", "tenant_id", "event_type", "payload_json",
                                                  "created_at"});
    for (const StampedEvent &row : rows)
        copy << std::make_tuple(uuidText(row.id), row.event.tenantId, row.event.eventType.toStdString(),
                                row.event.payloadJson.toStdString(),
                                Cursor::isoFromMicros(row.createdAtMicros).toStdString());
    copy.complete();
    tx.commit();
}

QSet<QUuid> EventQueue::present(pqxx::connection_base &conn, const std::vector<QUuid> &ids)
{
    QSet<QUuid> there;
    pqxx::read_transaction tx(conn);
    for (const auto &row : tx.exec_params("SELECT id::text FROM activity_queue WHERE id = ANY($1::uuid[])",
                                          sqlUuidArray(ids)))
        there.insert(QUuid::fromString(QString::fromStdString(row[0].as<std::string>())));
    tx.commit();
    return there;
}

} // namespace af
