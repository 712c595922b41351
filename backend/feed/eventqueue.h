#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QString>

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

/// @brief The one way into activity_queue: the emitter, the emit route, the admin and the
/// CLI validate with validate() and the last three insert with enqueue().
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
};

} // namespace af
