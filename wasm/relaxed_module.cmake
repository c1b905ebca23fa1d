# indorerank-relaxed.wasm, the relaxed-SIMD kernel's side module
# (core/src/kernels/wasm_relaxed_module.cpp), beside each build's modules.
#
# Built by Debian's clang-19 and wasm-ld-19 directly, never through emcc or
# with wasm-opt on the way: Debian 12's binaryen 108 predates the final
# relaxed-SIMD opcodes and rewrites relaxed_dot into an invalid module.
# check_relaxed_module.mjs then refuses a module that could touch memory the
# engine did not hand it (a C stack, globals, data) or needs any import but
# the engine's memory.
find_program(INDORERANK_CLANG19 clang-19)
find_program(INDORERANK_WASM_LD19 wasm-ld-19)
find_program(INDORERANK_OBJDUMP19 llvm-objdump-19)
find_program(INDORERANK_NODE NAMES node nodejs REQUIRED)
if(NOT INDORERANK_CLANG19 OR NOT INDORERANK_WASM_LD19 OR NOT INDORERANK_OBJDUMP19)
  message(FATAL_ERROR "the relaxed-SIMD module needs clang-19, wasm-ld-19 and llvm-objdump-19 "
    "(Debian packages clang-19 lld-19 llvm-19; make setup installs them)")
endif()

# The pthreads build's copy imports the shared memory (each pthread makes its
# own instance of it, see wasm_relaxed.cpp); its maximum is the engine's.
set(relaxed_src ${PROJECT_SOURCE_DIR}/core/src/kernels/wasm_relaxed_module.cpp)
set(relaxed_obj ${CMAKE_CURRENT_BINARY_DIR}/wasm_relaxed_module.o)
set(relaxed_wasm ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/indorerank-relaxed${suffix}.wasm)
set(relaxed_cflags "")
set(relaxed_ldflags "")
if(INDORERANK_WASM_THREADS)
  set(relaxed_cflags -matomics -mbulk-memory)
  set(relaxed_ldflags --shared-memory --max-memory=2147483648)
endif()
add_custom_command(OUTPUT ${relaxed_wasm}
  COMMAND ${INDORERANK_CLANG19} --target=wasm32 -O2 -std=c++17 -msimd128 -mrelaxed-simd ${relaxed_cflags}
    -ffreestanding -fno-exceptions -fno-rtti -ffp-contract=off -Wall -Wextra -Werror -c ${relaxed_src} -o ${relaxed_obj}
  COMMAND ${INDORERANK_WASM_LD19} --no-entry --import-memory ${relaxed_ldflags} --strip-all -o ${relaxed_wasm} ${relaxed_obj}
  COMMAND ${INDORERANK_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/check_relaxed_module.mjs ${INDORERANK_OBJDUMP19} ${relaxed_wasm}
  DEPENDS ${relaxed_src} ${CMAKE_CURRENT_SOURCE_DIR}/check_relaxed_module.mjs
  COMMENT "Building indorerank-relaxed${suffix}.wasm (clang-19, relaxed SIMD)"
  VERBATIM)
add_custom_target(indorerank_relaxed_module ALL DEPENDS ${relaxed_wasm})
