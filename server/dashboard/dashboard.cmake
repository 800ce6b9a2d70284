# The dashboard of `recur serve` (docs/dashboard.md): the files of this folder and
# the charting library uPlot (from node_modules, as package-lock.json pins it) become one generated
# source of byte arrays compiled into recur_server, so the running server reads no files.
set(dashboard_dir ${CMAKE_CURRENT_LIST_DIR})
set(dashboard_uplot ${dashboard_dir}/node_modules/uplot/dist)
foreach(file uPlot.esm.js uPlot.min.css)
  if(NOT EXISTS ${dashboard_uplot}/${file})
    message(FATAL_ERROR "The dashboard's charting library is missing: ${dashboard_uplot}/${file} "
                        "does not exist. Run scripts/install-deps "
                        "(or: npm ci --prefix server/dashboard).")
  endif()
endforeach()
# Each asset: the path it is served at, then its file.
set(dashboard_assets
    "/=${dashboard_dir}/index.html"
    "/dashboard/icon.svg=${dashboard_dir}/icon.svg"
    "/dashboard/style.css=${dashboard_dir}/style.css"
    "/dashboard/app.js=${dashboard_dir}/app.js"
    "/dashboard/api.js=${dashboard_dir}/api.js"
    "/dashboard/dom.js=${dashboard_dir}/dom.js"
    "/dashboard/jobs_view.js=${dashboard_dir}/jobs_view.js"
    "/dashboard/job_view.js=${dashboard_dir}/job_view.js"
    "/dashboard/report_chart.js=${dashboard_dir}/report_chart.js"
    "/dashboard/workers_view.js=${dashboard_dir}/workers_view.js"
    "/dashboard/submit_view.js=${dashboard_dir}/submit_view.js"
    "/dashboard/uPlot.esm.js=${dashboard_uplot}/uPlot.esm.js"
    "/dashboard/uPlot.min.css=${dashboard_uplot}/uPlot.min.css")
set(dashboard_files ${dashboard_assets})
list(TRANSFORM dashboard_files REPLACE "^[^=]*=" "")
list(JOIN dashboard_assets "|" dashboard_asset_arg)
set(dashboard_source ${CMAKE_CURRENT_BINARY_DIR}/dashboard_assets.cpp)
add_custom_command(
  OUTPUT ${dashboard_source}
  COMMAND ${CMAKE_COMMAND} -DOUT=${dashboard_source} "-DASSETS=${dashboard_asset_arg}"
          -P ${dashboard_dir}/embed_assets.cmake
  DEPENDS ${dashboard_files} ${dashboard_dir}/embed_assets.cmake
  COMMENT "Embedding the dashboard's files"
  VERBATIM)
target_sources(recur_server PRIVATE dashboard_routes.cpp ${dashboard_source})
