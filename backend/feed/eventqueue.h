#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QUuid>

#include <vector>

namespace pqxx {
class connection_base;
}

namespace af {

/// @brief A queue row that passed validation, ready to insert.
struct QueuedEvent {
    int tenantId = 0;
    QString eventType;
    QByteArray payloadJson; ///< compact JSON object
};

/// @brief A validated row whose id and time its writer chose before the first attempt
/// (the emitter), so that a retry after an unknown outcome can ask which rows are in.
struct StampedEvent {
    QUuid id;
    qint64 createdAtMicros = 0; ///< µs since the epoch, UTC: when it was emitted
    QueuedEvent event;
};

/// @brief The one way into activity_queue: the emitter, the emit route, the admin and the
/// CLI validate with validate(); the last three insert with enqueue(), the emitter's writer
/// thread with enqueueBatch().
class EventQueue
{
public:
    /// @brief A known type and a JSON object payload without NUL characters within the
    /// catalogue's size limit; otherwise BadInput, its message prefixed with @p where
    /// ("events[3]") when given.
    [[nodiscard]] static QueuedEvent validate(int tenantId, const QString &type,
                                              const QJsonObject &payload,
                                              const QString &where = {});
    /// @brief Inserts all of @p events in one transaction, in order, or none: an unknown
    /// tenant is BadInput. Returns the new rows' ids; they are committed on return.
    static std::vector<QString> enqueue(pqxx::connection_base &conn,
                                        const std::vector<QueuedEvent> &events);
    /// @brief Writes @p rows with COPY in one transaction, all or none. Whatever the
    /// database refuses comes out as libpqxx's exception: the caller decides whether the
    /// batch is retried or taken apart (EventEmitter::isPermanent).
    static void enqueueBatch(pqxx::connection_base &conn, const std::vector<StampedEvent> &rows);
    /// @brief Which of @p ids are rows of activity_queue.
    [[nodiscard]] static QSet<QUuid> present(pqxx::connection_base &conn, const std::vector<QUuid> &ids);
};

} // namespace af
