#pragma once
#include "feedsource.h"

#include "db/pgerrors.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

#include <functional>

/// @brief Runs one blocking backend call on @p pool and hands its value, or the typed
/// error it threw, to @p done on @p owner's thread if @p context still exists. The one
/// place where the desktop turns backend exceptions into replies. @p onReply, if set,
/// sees the outcome first on the owner's thread (connection state).
template <typename T>
void callBackend(QThreadPool &pool, QObject *owner, QObject *context, std::function<T()> work,
                 std::function<void(const Reply<T> &)> done,
                 std::function<void(bool unavailable, const QString &error)> onReply = {})
{
    QPointer<QObject> guard(context);
    pool.start([owner, guard, work = std::move(work), done = std::move(done),
                onReply = std::move(onReply)] {
        Reply<T> reply;
        try {
            reply = Reply<T>::success(af::PgErrors::guard(work));
        } catch (const af::Error &e) {
            reply = Reply<T>::failure(e.kind(),
                                      e.kind() == af::Error::Kind::Unavailable
                                          ? QCoreApplication::translate("callBackend", "The database is not available.")
                                          : QString::fromUtf8(e.what()),
                                      e.retryAfter());
        } catch (const std::exception &) {
            reply = Reply<T>::failure(af::Error::Kind::Unavailable,
                                      QCoreApplication::translate(
                                          "callBackend", "Something went wrong in the backend; see the log."));
        }
        // The owner waits for its pool before it dies, so posting to it is safe.
        QMetaObject::invokeMethod(owner, [guard, reply = std::move(reply), done, onReply] {
            if (onReply)
                onReply(!reply.ok() && reply.errorKind == af::Error::Kind::Unavailable, reply.errorString);
            if (guard)
                done(reply);
        }, Qt::QueuedConnection);
    });
}
