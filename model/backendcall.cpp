#include "backendcall.h"

#include "api/apierror.h"
#include "db/dberror.h"

#include <QCoreApplication>
#include <QPointer>

void callBackend(QThreadPool &pool, QObject *owner, QObject *context,
                 std::function<QByteArray()> work, int okStatus, FeedSource::Callback done,
                 std::function<void(const FeedReply &)> onReply)
{
    QPointer<QObject> guard(context);
    pool.start([owner, guard, work = std::move(work), okStatus, done = std::move(done),
                onReply = std::move(onReply)] {
        FeedReply reply;
        try {
            reply.body = work();
            reply.status = okStatus;
        } catch (const af::BadInput &e) {
            reply.status = 400;
            reply.errorString = QString::fromStdString(e.what());
        } catch (const af::NotFound &e) {
            reply.status = 404;
            reply.errorString = QString::fromStdString(e.what());
        } catch (const af::ApiError &e) {
            reply.status = e.status();
            reply.retryAfter = e.retryAfter();
            reply.errorString = QString::fromStdString(e.what());
        } catch (const af::DbUnavailable &) {
            reply.status = 503;
            reply.errorString = QCoreApplication::translate("callBackend", "The database is not available.");
        } catch (const std::exception &) {
            reply.status = 500;
            reply.errorString = QCoreApplication::translate(
                "callBackend", "Something went wrong in the backend; see the log.");
        }
        // The owner waits for its pool before it dies, so posting to it is safe.
        QMetaObject::invokeMethod(owner, [guard, reply, done, onReply] {
            if (onReply)
                onReply(reply);
            if (guard)
                done(reply);
        }, Qt::QueuedConnection);
    });
}
