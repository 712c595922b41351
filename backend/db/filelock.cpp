#include "filelock.h"

#include <cerrno>
#include <fcntl.h>
#include <stdexcept>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace af {

FileLock::FileLock(QString path) : m_path(std::move(path)) {}

FileLock::~FileLock()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool FileLock::open()
{
    if (m_fd < 0)
        m_fd = ::open(m_path.toLocal8Bit().constData(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    return m_fd >= 0;
}

bool FileLock::tryLock(bool exclusive)
{
    if (!open())
        return false;
    int rc;
    do {
        rc = ::flock(m_fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    return rc == 0;
}

void FileLock::lock(bool exclusive, std::chrono::milliseconds timeout)
{
    if (!open())
        throw std::runtime_error("cannot open the lock file " + m_path.toStdString());
    // Polled rather than blocking, so a stuck holder gives an error instead of a hang.
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!tryLock(exclusive)) {
        if (std::chrono::steady_clock::now() > end)
            throw std::runtime_error("another activityfeed process holds " + m_path.toStdString() +
                                     " (starting or stopping the local database) for too long");
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // polling interval
    }
}

void FileLock::unlock()
{
    if (m_fd >= 0)
        ::flock(m_fd, LOCK_UN);
}

} // namespace af
