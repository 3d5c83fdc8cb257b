fmc_add_catch_test(fmc_catalog_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/catalog/shipped_catalog_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/catalog/catalog_validation_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/catalog/localized_text_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/catalog/country_codes_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/catalog/language_tags_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/catalog/kiosk_texts_test.cpp
  LIBS fmc_catalog nlohmann_json::nlohmann_json)
# The shipped-catalog test reads the file in the source tree, whatever is installed.
target_compile_definitions(fmc_catalog_tests PRIVATE
  FMC_SHIPPED_CATALOG="${PROJECT_SOURCE_DIR}/catalog/services.json")
