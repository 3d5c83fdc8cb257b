fmc_add_catch_test(fmc_db_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/database_test.cpp
  LIBS fmc_db)
