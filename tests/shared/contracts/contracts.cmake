# The test contracts and service implementations shared by the services tests, built once as
# the static library burrow_test_contracts. Included by each tests/auto/services_* folder.
if(NOT TARGET burrow_test_contracts)
    add_library(burrow_test_contracts STATIC
        ${CMAKE_CURRENT_LIST_DIR}/testservices.h
        ${CMAKE_CURRENT_LIST_DIR}/testservices.cpp
        ${CMAKE_CURRENT_LIST_DIR}/typesexercise.h
        ${CMAKE_CURRENT_LIST_DIR}/typesexercise.cpp)
    target_include_directories(burrow_test_contracts PUBLIC ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(burrow_test_contracts PUBLIC Burrow::Services)
    burrow_add_contracts(burrow_test_contracts HEADERS
        ${CMAKE_CURRENT_LIST_DIR}/alltypes.h
        ${CMAKE_CURRENT_LIST_DIR}/chat.h
        ${CMAKE_CURRENT_LIST_DIR}/longwork.h
        ${CMAKE_CURRENT_LIST_DIR}/probe.h
        ${CMAKE_CURRENT_LIST_DIR}/probemismatch.h)
    # The generated <name>_burrow.h wrappers are used by the tests too.
    target_include_directories(burrow_test_contracts
        PUBLIC ${CMAKE_CURRENT_BINARY_DIR}/burrow_contracts/burrow_test_contracts)
endif()
