#pragma once
#include <QString>

#include <chrono>

namespace af {

/// @brief An flock(2) lock on a file, released when the object goes (or the process dies,
/// however it dies). Serialises processes that share a directory.
class FileLock
{
public:
    explicit FileLock(QString path);
    ~FileLock();
    FileLock(const FileLock &) = delete;
    FileLock &operator=(const FileLock &) = delete;

    /// @brief Waits up to @p timeout; throws std::runtime_error with a sentence if it cannot.
    void lock(bool exclusive, std::chrono::milliseconds timeout);
    /// @brief Takes the lock if nobody holds a conflicting one; never waits.
    [[nodiscard]] bool tryLock(bool exclusive);
    void unlock();

private:
    bool open();

    QString m_path;
    int m_fd = -1;
};

} // namespace af
