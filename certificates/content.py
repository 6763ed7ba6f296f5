"""What a certificate says, as plain data: the PDF is drawn from this and nothing else.

A certificate's wording is fixed when it is issued (a snapshot on the Certificate row), so
a copy printed years later says what the original said even if the person changed unit or
the class was renamed. The renderer (`certificates.pdf`) and the benchmark's floor both take
this dataclass; neither touches the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class CertificateContent:
    register_number: str  # "001/GCN-STTTT" (printed after "Số: ")
    verify_url: str  # absolute URL encoded in the QR code
    verify_code: str  # display form printed under the QR, "7KQ2-M9XD-4TRA-PW3E"
    parent_body: str  # "UBND TỈNH LAI CHÂU" (upper case is applied when drawn)
    issuing_body: str  # "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    honorific: str  # "Ông" / "Bà" / "Ông/Bà"
    full_name: str
    date_of_birth: datetime.date | None
    birth_year: int | None  # printed when only the year is known
    unit: str  # the nominating unit, "UBND huyện Mường Tè"
    class_title: str
    start_date: datetime.date
    end_date: datetime.date
    venue: str  # "Hội trường Sở Thông tin và Truyền thông, thành phố Lai Châu"
    issue_place: str  # "Lai Châu" (place/date line)
    issued_on: datetime.date
    signer_title: str  # one or two lines: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    signer_name: str
