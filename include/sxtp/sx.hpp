// sxtp/sx.hpp — the SX data language: values, reader, printers, forms.
// Content hashes (which need OpenSSL) are in <sxtp/sx/hash.hpp>.
#ifndef SXTP_SX_HPP
#define SXTP_SX_HPP

#include <sxtp/sx/error.hpp>
#include <sxtp/sx/form.hpp>
#include <sxtp/sx/printer.hpp>
#include <sxtp/sx/reader.hpp>
#include <sxtp/sx/value.hpp>

#endif
