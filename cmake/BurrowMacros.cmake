# Public CMake functions of the Burrow package (installed with it).

# burrow_add_contracts(<target> HEADERS <header>...)
#
# Makes the contracts declared in the headers (abstract QObject classes with
# Q_CLASSINFO("BurrowInterface", "<Name>") and BURROW_CONTRACT) usable in <target>: for each
# header it runs moc --output-json to describe the classes, then burrow-contractgen
# (the Burrow::contractgen executable) to write <name>_burrow.cpp (remote proxies, dispatchers,
# ContractInfo definitions) and <name>_burrow.h (the <Class>Async wrappers). The generated files
# and the header itself are added to <target> (AUTOMOC compiles the header's real moc output),
# and the folder holding the generated files, ${CMAKE_CURRENT_BINARY_DIR}/burrow_contracts/<target>,
# is added to its include path (PRIVATE), so that `#include "<name>_burrow.h"` works. A library
# whose users need the <Class>Async wrappers adds that folder to its PUBLIC include directories.
#
# The header is parsed by moc with <target>'s include directories and compile definitions, so
# set those (target_link_libraries, target_include_directories) before or after the call: they
# are read at generation time.
function(burrow_add_contracts target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "HEADERS")
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "burrow_add_contracts: unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT arg_HEADERS)
        message(FATAL_ERROR "burrow_add_contracts: HEADERS is required")
    endif()
    if(NOT TARGET ${target})
        message(FATAL_ERROR "burrow_add_contracts: ${target} is not a target")
    endif()
    if(NOT TARGET Burrow::contractgen)
        message(FATAL_ERROR "burrow_add_contracts: the Burrow::contractgen executable is not available "
                            "(find_package(Burrow) first)")
    endif()
    if(NOT TARGET Qt6::moc)
        find_package(Qt6 REQUIRED COMPONENTS Core)
    endif()

    set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/burrow_contracts/${target}")
    file(MAKE_DIRECTORY "${out_dir}")

    set(includes "$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>")
    set(definitions "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
    set(include_flags "$<$<BOOL:${includes}>:-I$<JOIN:${includes},;-I>>")
    set(definition_flags "$<$<BOOL:${definitions}>:-D$<JOIN:${definitions},;-D>>")

    get_target_property(seen ${target} BURROW_CONTRACT_HEADER_NAMES)
    if(NOT seen)
        set(seen "")
    endif()

    foreach(header IN LISTS arg_HEADERS)
        get_filename_component(header_path "${header}" ABSOLUTE)
        get_filename_component(name "${header}" NAME_WE)
        if(name IN_LIST seen)
            message(FATAL_ERROR "burrow_add_contracts: ${target} already has a contract header named ${name}")
        endif()
        list(APPEND seen ${name})

        set(moc_output "${out_dir}/${name}_moc_unused.cpp")
        set(json "${moc_output}.json")
        set(source "${out_dir}/${name}_burrow.cpp")
        set(generated_header "${out_dir}/${name}_burrow.h")

        # moc writes <output>.json next to its (unused) output; AUTOMOC compiles the real one.
        add_custom_command(
            OUTPUT "${moc_output}" "${json}"
            COMMAND Qt6::moc --output-json "${include_flags}" "${definition_flags}"
                    --output-dep-file --dep-file-path "${moc_output}.d"
                    --dep-file-rule-name "${moc_output}"
                    "${header_path}" -o "${moc_output}"
            DEPENDS "${header_path}" Qt6::moc
            DEPFILE "${moc_output}.d"
            COMMENT "Describing contracts in ${name}.h"
            COMMAND_EXPAND_LISTS
            VERBATIM)
        add_custom_command(
            OUTPUT "${source}" "${generated_header}"
            COMMAND Burrow::contractgen "${json}" -o "${source}" --header "${generated_header}"
                    --include "${header_path}"
            DEPENDS "${json}" Burrow::contractgen
            COMMENT "Generating Burrow contract code for ${name}.h"
            VERBATIM)
        set_source_files_properties("${source}" "${generated_header}" PROPERTIES
            GENERATED TRUE SKIP_AUTOMOC TRUE SKIP_AUTOUIC TRUE SKIP_AUTORCC TRUE)
        target_sources(${target} PRIVATE "${header_path}" "${source}" "${generated_header}")
    endforeach()

    set_target_properties(${target} PROPERTIES BURROW_CONTRACT_HEADER_NAMES "${seen}")
    target_include_directories(${target} PRIVATE "${out_dir}")
endfunction()
