fmc_add_catch_test(fmc_db_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/database_test.cpp
  LIBS fmc_db)
fmc_add_catch_test(fmc_registry_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/registry_records_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/registry_audit_test.cpp
  LIBS fmc_db)
fmc_add_catch_test(fmc_tap_log_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/tap_log_test.cpp LIBS fmc_db nlohmann_json::nlohmann_json)
