#include "crypto/file_io.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace fmc {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int error) {
    throw FileError(what + " " + path.string() + ": " + std::strerror(error), error);
}

void writeAll(int descriptor, const std::uint8_t* data, std::size_t size, const std::filesystem::path& path) {
    while (size > 0) {
        const ssize_t written = ::write(descriptor, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            const int error = errno;
            ::close(descriptor);
            fail("cannot write", path, error);
        }
        data += written;
        size -= static_cast<std::size_t>(written);
    }
}

} // namespace

bool FileError::isDiskProblem() const {
    return systemError_ == ENOSPC || systemError_ == EDQUOT || systemError_ == EIO;
}

void writeFileAtomically(const std::filesystem::path& path, ByteView content, mode_t mode, ExistingFile existing) {
    if (existing == ExistingFile::refuse && std::filesystem::exists(path))
        throw FileError("refusing to overwrite " + path.string());
    const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
    // Appended piece by piece: g++ 12 -O2 warns (-Wrestrict, falsely) about "." + std::string.
    std::string temporaryName = ".";
    temporaryName += path.filename().string();
    temporaryName += ".tmp";
    temporaryName += std::to_string(::getpid());
    const std::filesystem::path temporary = directory / temporaryName;
    const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (descriptor < 0) fail("cannot create", temporary, errno);
    try {
        writeAll(descriptor, content.data(), content.size(), temporary);
    } catch (...) {
        ::unlink(temporary.c_str());  // writeAll closed it; a full disk keeps no partial file
        throw;
    }
    if (::fsync(descriptor) != 0) {
        const int error = errno;
        ::close(descriptor);
        ::unlink(temporary.c_str());
        fail("cannot write", temporary, error);
    }
    ::close(descriptor);
    // link() fails when the target exists, which makes "refuse" race-free; rename() replaces.
    const int moved = existing == ExistingFile::refuse ? ::link(temporary.c_str(), path.c_str())
                                                       : ::rename(temporary.c_str(), path.c_str());
    const int error = errno;
    if (existing == ExistingFile::refuse || moved != 0) ::unlink(temporary.c_str());
    if (moved != 0) fail(existing == ExistingFile::refuse ? "refusing to overwrite" : "cannot replace", path, error);
    const int directoryDescriptor = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directoryDescriptor >= 0) {
        ::fsync(directoryDescriptor);
        ::close(directoryDescriptor);
    }
}

void writeFileAtomically(const std::filesystem::path& path, std::string_view content, mode_t mode, ExistingFile existing) {
    writeFileAtomically(path, ByteView(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()), mode,
                        existing);
}

Bytes readFileBytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot read", path, errno ? errno : ENOENT);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string readFileText(const std::filesystem::path& path) {
    const Bytes bytes = readFileBytes(path);
    return {bytes.begin(), bytes.end()};
}

} // namespace fmc
