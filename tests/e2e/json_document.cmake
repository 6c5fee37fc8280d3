# pimlab_check_json_document(LABEL TEXT): TEXT (surrounding blanks aside) is
# exactly one JSON document. string(JSON) stops at the end of the first value
# and ignores what follows, so the text must also start and end the document.
function(pimlab_check_json_document label text)
  string(STRIP "${text}" doc)
  string(JSON type ERROR_VARIABLE jerr TYPE "${doc}")
  if(jerr OR NOT doc MATCHES "^[{[]" OR NOT doc MATCHES "[]}]$")
    message(FATAL_ERROR "${label}: not one JSON document (${jerr}):\n${text}")
  endif()
endfunction()
