#pragma once
// A fresh folder under the system temp directory, removed with everything in it at the end
// of the test.
#include <filesystem>
#include <random>
#include <string>
#include <string_view>

namespace fmc::test {

struct TempFolder {
    std::filesystem::path path;
    explicit TempFolder(std::string_view prefix = "fmc-test") {
        path = std::filesystem::temp_directory_path() /
               (std::string(prefix) + "-" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(path);
    }
    ~TempFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
};

} // namespace fmc::test
