#pragma once
// Whole-file reads and crash-safe writes for the small files the programs keep (station
// configuration, certificates, CRLs, sealed secrets): the new content goes to a temporary
// file in the same folder, is fsync'ed, renamed over the target and the folder fsync'ed, so
// after a crash the file holds either the old content or the new, never a mix.
#include "crypto/bytes.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace fmc {

class FileError : public std::runtime_error {
public:
    explicit FileError(const std::string& message, int systemError = 0)
        : std::runtime_error(message), systemError_(systemError) {}
    // errno of the failing call, 0 when the refusal was ours (e.g. the file exists).
    [[nodiscard]] int systemError() const { return systemError_; }
    // No space (or quota) left, or the device failing: the disk, not the data, is at fault.
    [[nodiscard]] bool isDiskProblem() const;

private:
    int systemError_;
};

enum class ExistingFile { replace, refuse };

// Throws FileError naming the file and the system's reason.
void writeFileAtomically(const std::filesystem::path& path, ByteView content, mode_t mode = 0644,
                         ExistingFile existing = ExistingFile::replace);
void writeFileAtomically(const std::filesystem::path& path, std::string_view content, mode_t mode = 0644,
                         ExistingFile existing = ExistingFile::replace);
[[nodiscard]] Bytes readFileBytes(const std::filesystem::path& path);
[[nodiscard]] std::string readFileText(const std::filesystem::path& path);

} // namespace fmc
